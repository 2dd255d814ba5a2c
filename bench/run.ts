// `npm run bench [-- --json] [--filter <substring>] [--suite <substring>] [--ms <budget per case>]`
// (--filter picks cases after every suite has set up; --suite skips the
// setup of suites whose title does not contain the text: a quicker subset)
// Prints a table (or one JSON object per line) of ops/s for every case of every
// suite; implementations of the same operation run in the same process, one
// after the other, so their ratio is meaningful on a noisy machine.
import { measure, type Measurement } from './measure.js';
import type { BenchSuite } from './types.js';
import { suites } from './suites/index.js';

interface Options { json: boolean; filter?: string; suite?: string; ms: number }

function parseArgs(argv: string[]): Options {
  const o: Options = { json: false, ms: 400 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--filter') o.filter = argv[++i];
    else if (a === '--suite') o.suite = argv[++i];
    else if (a === '--ms') o.ms = Number(argv[++i]);
    else throw new Error(`unknown option ${a} (use --json, --filter <s>, --suite <s>, --ms <n>)`);
  }
  if (!Number.isFinite(o.ms) || o.ms <= 0) throw new Error('--ms needs a positive number');
  return o;
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

function printTable(title: string, rows: Measurement[]): void {
  console.log(`\n${title}`);
  const byName = new Map<string, Measurement[]>();
  for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  const w = Math.max(12, ...rows.map((r) => r.name.length));
  const iw = Math.max(8, ...rows.map((r) => r.impl.length));
  console.log(`  ${'operation'.padEnd(w)}  ${'impl'.padEnd(iw)}  ${'ops/s'.padStart(12)}  vs first`);
  for (const [name, group] of byName) {
    const base = group[0].ops_per_s;
    for (const r of group) {
      const ratio = r === group[0] ? '' : `${(r.ops_per_s / base).toFixed(2)}x`;
      console.log(`  ${name.padEnd(w)}  ${r.impl.padEnd(iw)}  ${fmt(r.ops_per_s).padStart(12)}  ${ratio}`);
    }
  }
}

async function runSuite(s: BenchSuite, o: Options): Promise<void> {
  const cases = (await s.setup()).filter((c) => !o.filter || `${c.name} ${c.impl}`.includes(o.filter));
  const rows: Measurement[] = [];
  try {
    for (const c of cases) {
      const m = await measure(c, o.ms);
      rows.push(m);
      if (o.json) console.log(JSON.stringify(m));
    }
  } finally {
    await s.teardown?.();
  }
  if (!o.json && rows.length) printTable(s.title, rows);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  for (const s of suites) {
    if (o.suite && !s.title.toLowerCase().includes(o.suite.toLowerCase())) continue;
    await runSuite(s, o);
  }
}

main().catch((e) => {
  console.error(`bench: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
