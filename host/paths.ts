// Where the project's own files are, whether this code runs from its
// TypeScript sources (vitest) or compiled into build/js (CLI, benchmarks).
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const marker = `${sep}build${sep}js${sep}`;
  const at = here.lastIndexOf(marker);
  if (at >= 0) return here.slice(0, at);
  return join(here, '..');
}

export const PROJECT_ROOT = findRoot();
export const FIRMWARE_WASM = join(PROJECT_ROOT, 'build', 'firmware.wasm');
