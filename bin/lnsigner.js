#!/usr/bin/env node
// The lnsigner command. Runs the compiled host (npm run build writes build/js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../build/js/host/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('lnsigner: not built yet; run `npm run build` in the project folder first');
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
