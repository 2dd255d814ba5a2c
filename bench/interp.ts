// Per-operation times of the firmware under wabt's spectest-interp (a non-JIT
// interpreter, Debian package wabt), next to V8, so that instruction-count
// regressions show. spectest-interp runs a script and exits, so an operation
// is timed from outside: a script that loads the firmware, writes the inputs
// and runs one warm-up call, then N calls, against the same script without
// the N calls (the baseline); (T(N) - T(0)) / N is one call. The inputs are
// written by a third module that imports the firmware's memory and holds them
// as data segments (a pool: call i uses input set i mod pool size); every call
// is an assert_return of 0, so a failing operation fails the benchmark.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** spectest-interp (and wat2wasm) from the system's wabt, or undefined. */
export function spectestInterp(): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':')) {
    if (!d || d.includes('node_modules')) continue;
    const p = join(d, 'spectest-interp');
    if (spawnSync(p, ['--version']).status === 0) return p;
  }
  return undefined;
}

const MVP = ['--disable-sign-extension', '--disable-bulk-memory', '--disable-mutable-globals',
  '--disable-saturating-float-to-int', '--disable-multi-value', '--disable-reference-types'];

// The board stand-in: every import returns "ok" (as flash-scripts/interp-selftest.sh).
const ENV_WAT = `(module
  (func (export "entropy") (param i32 i32) (result i32) i32.const 0)
  (func (export "serial_write") (param i32 i32))
  (func (export "flash_read") (param i32 i32 i32) (result i32) i32.const 0)
  (func (export "flash_write") (param i32 i32 i32) (result i32) i32.const 0)
  (func (export "flash_erase") (param i32 i32) (result i32) i32.const 0)
  (func (export "clock_seconds") (result i32) i32.const 0)
  (func (export "prompt_show") (param i32 i32) (result i32) i32.const 0)
  (func (export "prompt_poll") (result i32) i32.const 1))`;

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const str = (s: string) => [...leb(s.length), ...Buffer.from(s)];
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];

/** A module that imports fw.memory and writes `segments` into it when instantiated. */
function inputsModule(segments: { at: number; bytes: Uint8Array }[]): Uint8Array {
  const imp = [1, ...str('fw'), ...str('memory'), 2, 0, 1];
  const data = [...leb(segments.length), ...segments.flatMap((s) => [0, 0x41, ...sleb(s.at | 0), 0x0b, ...leb(s.bytes.length), ...s.bytes])];
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(2, imp), ...section(11, data)]);
}

export interface InterpOp {
  /** Export to call, with its i32 arguments for input set i. */
  field: string;
  args: (i: number) => number[];
  /** Input sets in the pool (default 1). */
  pool?: number;
}

/** ops/s of `op` under spectest-interp: best of `reps` (N - baseline) runs;
 *  `n` is the first N tried. */
export function interpOpsPerSecond(interp: string, wasm: Uint8Array, inputs: { at: number; bytes: Uint8Array }[],
  op: InterpOp, n: number, reps = 2): number {
  const dir = mkdtempSync(join(tmpdir(), 'lnsigner-interp-'));
  try {
    writeFileSync(join(dir, 'firmware.wasm'), wasm);
    writeFileSync(join(dir, 'env.wat'), ENV_WAT);
    execFileSync(join(interp, '..', 'wat2wasm'), [...MVP, join(dir, 'env.wat'), '-o', join(dir, 'env.wasm')]);
    writeFileSync(join(dir, 'inputs.wasm'), inputsModule(inputs));
    const call = (i: number, line: number) => ({
      type: 'assert_return', line,
      action: { type: 'invoke', module: '$fw', field: op.field, args: op.args(i % (op.pool ?? 1)).map((v) => ({ type: 'i32', value: String(v >>> 0) })) },
      expected: [{ type: 'i32', value: '0' }],
    });
    const script = (calls: number) => JSON.stringify({
      source_filename: 'bench.wast',
      commands: [
        { type: 'module', line: 1, name: '$env', filename: 'env.wasm' },
        { type: 'register', line: 2, name: '$env', as: 'env' },
        { type: 'module', line: 3, name: '$fw', filename: 'firmware.wasm' },
        { type: 'register', line: 4, name: '$fw', as: 'fw' },
        { type: 'module', line: 5, filename: 'inputs.wasm' },
        call(0, 6), // warm-up: first-use tables are built here, in both scripts
        ...Array.from({ length: calls }, (_, i) => call(i + 1, 7 + i)),
      ],
    });
    writeFileSync(join(dir, 'base.json'), script(0));
    const time = (f: string) => {
      const t0 = performance.now();
      const r = spawnSync(interp, [...MVP, f], { cwd: dir, encoding: 'utf8' });
      const dt = performance.now() - t0;
      if (r.status !== 0) throw new Error(`spectest-interp: ${op.field} failed: ${(r.stdout + r.stderr).slice(-400)}`);
      return dt;
    };
    // Grow N until the calls take at least ~0.5 s more than the baseline, so
    // process start-up noise stays small against them.
    const base = time('base.json');
    for (;;) {
      writeFileSync(join(dir, 'run.json'), script(n));
      if (time('run.json') - base >= 500 || n >= 2000) break;
      n *= 3;
    }
    let best = Infinity;
    for (let k = 0; k < reps; k++) {
      const d = time('run.json') - time('base.json');
      if (d > 0) best = Math.min(best, d / n);
    }
    if (!Number.isFinite(best)) throw new Error(`spectest-interp: ${op.field}: no measurable time over the baseline`);
    return Math.round((1000 / Math.max(best, 1e-6)) * 10) / 10;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
