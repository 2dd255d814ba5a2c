// The native build's contract with the firmware ABI (docs/native.md): the
// board layer's imports are checked against shared/firmware-abi.ts, so a new
// import fails `npm run build:native` loudly instead of linking wrongly.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRMWARE_IMPORTS } from '../shared/firmware-abi.js';
import { FIRMWARE_WASM, PROJECT_ROOT } from '../host/paths.js';
// @ts-expect-error: a plain .mjs build script without types
import { importProblem, readModule } from '../native/build.mjs';

const importsC = readFileSync(join(PROJECT_ROOT, 'native/board/imports.c'), 'utf8');

describe('native board layer vs FIRMWARE_IMPORTS', () => {
  it('the built module imports only FIRMWARE_IMPORTS, and imports.c defines every one', () => {
    const { imports, pages } = readModule(new Uint8Array(readFileSync(FIRMWARE_WASM)));
    expect(imports.length).toBeGreaterThan(0);
    expect(pages).toBeGreaterThan(0);
    expect(importProblem(imports, FIRMWARE_IMPORTS, importsC)).toBeUndefined();
  });

  it('provides the confirmation prompt imports already (issue 9)', () => {
    expect(importProblem([], ['env.prompt_show', 'env.prompt_poll'], importsC)).toBeUndefined();
  });

  it('a new ABI import without its C function fails, naming it', () => {
    expect(importProblem([], [...FIRMWARE_IMPORTS, 'env.buzzer'], importsC)).toMatch(/imports\.c has no function for env\.buzzer/);
  });

  it('a module import outside the ABI fails, naming it', () => {
    expect(importProblem(['env.abort'], FIRMWARE_IMPORTS, importsC)).toMatch(/imports env\.abort, not in .*FIRMWARE_IMPORTS/);
  });
});
