// The firmware's wasm2c host build (`npm run build:native`) in the benchmark
// table: `lnsigner-native bench` times each operation over its pool
// (native/board/bench.c, outputs checked against V8) and prints ns per call;
// the best of 5 runs is reported as impl "native (x86-64)". Absent build: no rows.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FIRMWARE_WASM } from '../host/paths.js';
import { NATIVE_CHIP_BIN, nativeEngineProblem } from '../host/emulator/native-chip.js';

let cached: Map<string, number> | undefined | null = null;

/** ns per call by operation name (bench.c's names), or undefined without a current build. */
export function nativeTimes(): Map<string, number> | undefined {
  if (cached !== null) return cached;
  cached = undefined;
  if (nativeEngineProblem(readFileSync(FIRMWARE_WASM))) return undefined;
  const best = new Map<string, number>();
  for (let run = 0; run < 5; run++) {
    const out = execFileSync(NATIVE_CHIP_BIN, ['bench'], { encoding: 'utf8' });
    if (!/^mismatches 0$/m.test(out)) throw new Error(`native bench: outputs differ from V8:\n${out}`);
    for (const m of out.matchAll(/^(\S+) (\d+) ns$/gm)) best.set(m[1], Math.min(best.get(m[1]) ?? Infinity, Number(m[2])));
  }
  return (cached = best);
}

/** ops/s of a bench.c operation in the native build, for a BenchCase.external. */
export function nativeOpsPerSecond(op: string): number {
  const ns = nativeTimes()?.get(op);
  if (!ns) throw new Error(`native bench printed no ${op}`);
  return Math.round((1e9 / ns) * 10) / 10;
}
