#!/usr/bin/env node
// lnsigner as a Core Lightning plugin: `lightningd --plugin=/path/to/bin/lnsigner-plugin.js`
// (docs/host/plugin.md). Runs the compiled host (npm run build writes build/js).
// stdout is the plugin protocol; diagnostics go to stderr only.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../build/js/host/plugin/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('lnsigner-plugin: not built yet; run `npm run build` in the project folder first');
  process.exit(2);
}
const { runPlugin } = await import(main.href);
const code = await runPlugin(process.argv.slice(2));
// The serial port and timers of a stopped daemon must not keep us alive (§1.9).
process.exit(code);
