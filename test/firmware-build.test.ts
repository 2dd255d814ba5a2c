// The firmware binary fits a microcontroller WASM interpreter: MVP features
// only, the documented imports, and the size and memory budgets.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FIRMWARE_WASM } from '../host/paths.js';
import { FIRMWARE_IMPORTS, FIRMWARE_MAX_BYTES, FIRMWARE_MAX_PAGES } from '../shared/firmware-abi.js';
import { loadFirmware } from '../host/firmware/load.js';
import { sectionIds, validateMvp } from './helpers/wasm-mvp.js';

const wasm = readFileSync(FIRMWARE_WASM);
const module = new WebAssembly.Module(wasm);

describe('firmware.wasm build', () => {
  it('validates with MVP features only and has no DataCount section', async () => {
    await validateMvp(wasm);
    expect(sectionIds(wasm)).not.toContain(12);
  });

  it('rejects a module using a post-MVP feature (the validator is not vacuous)', async () => {
    // (func (param i32) (result i32) local.get 0 i32.extend8_s) — sign-extension op 0xC0
    const signExt = Uint8Array.from([
      0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      1, 6, 1, 0x60, 1, 0x7f, 1, 0x7f,
      3, 2, 1, 0,
      10, 7, 1, 5, 0, 0x20, 0, 0xc0, 0x0b,
    ]);
    new WebAssembly.Module(signExt); // V8 accepts it ...
    await expect(validateMvp(signExt)).rejects.toThrow(); // ... an MVP loader must not
  });

  it('imports exactly the documented functions', () => {
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`).sort();
    expect(imports).toEqual([...FIRMWARE_IMPORTS].sort());
  });

  it(`is at most ${FIRMWARE_MAX_BYTES} bytes`, () => {
    expect(wasm.length).toBeLessThanOrEqual(FIRMWARE_MAX_BYTES);
  });

  it('contains no allocator and never grows memory (static buffers only)', () => {
    // The release build's text form (asconfig.json textFile) names every function it kept.
    const wat = readFileSync(FIRMWARE_WASM.replace(/\.wasm$/, '.wat'), 'utf8');
    const funcs = [...wat.matchAll(/\(func \$([^\s)]+)/g)].map((m) => m[1]);
    expect(funcs.length).toBeGreaterThan(50); // the names are really there
    expect(funcs.filter((f) => f.startsWith('~lib/rt/') || /__(new|alloc|renew|realloc)$/.test(f))).toEqual([]);
    expect(wat).not.toContain('memory.grow');
  });

  it(`declares at most ${FIRMWARE_MAX_PAGES} pages of memory, with a maximum`, () => {
    const fw = loadFirmware();
    expect(fw.memory.buffer.byteLength).toBeLessThanOrEqual(FIRMWARE_MAX_PAGES * 65536);
    expect(() => fw.memory.grow(1)).toThrow();
  });

  it('passes its power-on self-test', () => {
    expect(loadFirmware().exports.selftest()).toBe(0);
  });
});
