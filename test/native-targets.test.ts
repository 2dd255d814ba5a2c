// The native builds (docs/native.md) run the firmware's self-test and produce
// the V8 build's outputs: the host binary, and the Cortex-M4 image under QEMU
// mps2-an386 with instruction counting (-icount shift=0), whose counter is
// checked against a loop of a known instruction count. Skipped with the
// reason without the builds or qemu-system-arm; in CI a missing one fails.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRMWARE_WASM, PROJECT_ROOT } from '../host/paths.js';
import { NATIVE_CHIP_BIN, nativeEngineProblem } from '../host/emulator/native-chip.js';

const wasm = readFileSync(FIRMWARE_WASM);
const hostProblem = nativeEngineProblem(wasm);
const elf = join(PROJECT_ROOT, 'build/native/m4/lnsigner-m4.elf');
const qemu = spawnSync('qemu-system-arm', ['--version']).status === 0;
const m4Problem = !existsSync(elf) ? `${elf} missing: npm run build:native`
  : !qemu ? 'qemu-system-arm not installed'
  : readFileSync(join(elf, '..', 'firmware.sha256'), 'utf8').trim() !== execFileSync('sha256sum', [FIRMWARE_WASM], { encoding: 'utf8' }).split(' ')[0]
    ? `${elf} was built from another firmware.wasm: npm run build:native` : undefined;
for (const p of [hostProblem, m4Problem]) if (p && !process.env.CI) console.warn(`native-targets: skipped: ${p}`);

it('the native builds and QEMU are present where CI runs', () => {
  if (process.env.CI) expect([hostProblem, m4Problem]).toEqual([undefined, undefined]);
});

describe.skipIf(hostProblem !== undefined)(`host (x86-64)${hostProblem ? ` (skipped: ${hostProblem})` : ''}`, () => {
  it('selftest() = 0, and every benchmark output equals the V8 build\'s', () => {
    expect(execFileSync(NATIVE_CHIP_BIN, ['selftest'], { encoding: 'utf8' })).toMatch(/selftest\(\) = 0\n/);
    const out = execFileSync(NATIVE_CHIP_BIN, ['bench'], { encoding: 'utf8' });
    expect(out).toMatch(/^onion-20-hops \d+ ns$/m);
    expect(out).toMatch(/^mismatches 0$/m);
  });
});

describe.skipIf(m4Problem !== undefined)(`Cortex-M4 under QEMU${m4Problem ? ` (skipped: ${m4Problem})` : ''}`, () => {
  it('passes the self-test, counts instructions exactly, and matches V8 on every benchmark', () => {
    const r = spawnSync('bash', [join(PROJECT_ROOT, 'flash-scripts/m4-qemu.sh'), 'bench'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/self-test passed \(Cortex-M4\)/);
    expect(r.stdout).toMatch(/calibration: 2000000-instruction loop measures 2000000 instructions/);
    expect(r.stdout).toMatch(/^bip340-sign \d+ instructions$/m);
    expect(r.stdout).toMatch(/^mismatches 0$/m);
    // The deepest serial requests ran and were all answered; the C stack's
    // high-water mark (every phase) stays within a quarter of the 8 KiB the
    // linker script reserves (docs/native.md "Stack").
    expect(r.stdout).toMatch(/^serial refusals or traps 0$/m);
    const marks = [...r.stdout.matchAll(/^C stack high-water mark.* (\d+) bytes$/gm)].map((m) => Number(m[1]));
    expect(marks.length).toBe(2);
    for (const m of marks) { expect(m).toBeGreaterThan(256); expect(m).toBeLessThanOrEqual(2048); }
  });
});
