// Validates a wasm binary with every post-MVP feature switched off (wabt's
// validator, compiled to wasm: no system package needed).
import wabtInit from 'wabt';

const MVP_ONLY = {
  exceptions: false, mutable_globals: false, sat_float_to_int: false, sign_extension: false,
  simd: false, threads: false, multi_value: false, tail_call: false, bulk_memory: false,
  reference_types: false, annotations: false, gc: false, memory64: false, extended_const: false,
  relaxed_simd: false,
};

/** Throws with wabt's message when `wasm` is not a valid MVP-only module. */
export async function validateMvp(wasm: Uint8Array): Promise<void> {
  const wabt = await wabtInit();
  const mod = wabt.readWasm(Uint8Array.from(wasm), { readDebugNames: false, ...MVP_ONLY });
  try {
    mod.validate();
  } finally {
    mod.destroy();
  }
}

/** Section ids present in the binary, in order (12 = DataCount, which MVP loaders reject). */
export function sectionIds(wasm: Uint8Array): number[] {
  const ids: number[] = [];
  let p = 8;
  while (p < wasm.length) {
    const id = wasm[p++];
    let size = 0, shift = 0, b: number;
    do { b = wasm[p++]; size |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    ids.push(id);
    p += size;
  }
  return ids;
}
