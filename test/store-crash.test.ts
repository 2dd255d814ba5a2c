// Crash safety: a process writing offers in a loop is killed with SIGKILL at
// an arbitrary moment; reopening the database finds it intact, every offer the
// writer reported as committed present and complete, and nothing half-written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../host/store/index.js';
import { PROJECT_ROOT } from '../host/paths.js';

const BUILT_STORE = join(PROJECT_ROOT, 'build/js/host/store/index.js');
const dir = mkdtempSync(join(tmpdir(), 'lns-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a writer that prints each offer_id after its transaction committed. */
function writer(dbPath: string, start: number) {
  const code = `
    import { Store } from ${JSON.stringify(BUILT_STORE)};
    const s = Store.open(${JSON.stringify(dbPath)});
    for (let n = ${start}; ; n++) {
      const id = n.toString(16).padStart(64, '0');
      s.offers.createOrGet({ offerId: id, bolt12: 'lno1' + 'q'.repeat(200) + n, label: 'label ' + n, description: 'desc ' + n, singleUse: n % 2 === 1 });
      if (n % 3 === 0) s.offers.disable(id);
      process.stdout.write(id + '\\n');
    }`;
  return spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function killAfter(dbPath: string, start: number, lines: number): Promise<string[]> {
  const child = writer(dbPath, start);
  const committed: string[] = [];
  let buf = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      committed.push(...parts);
      if (committed.length >= lines && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
  return committed;
}

describe('store crash safety', () => {
  it('needs the compiled store (npm run build)', () => {
    expect(existsSync(BUILT_STORE)).toBe(true);
  });

  it('SIGKILL in the middle of a write loop loses nothing committed, leaves nothing partial', async () => {
    const dbPath = join(dir, 'crash.db');
    let start = 0;
    const all: string[] = [];
    for (const lines of [50, 137, 400]) {
      const committed = await killAfter(dbPath, start, lines);
      expect(committed.length).toBeGreaterThanOrEqual(lines);
      all.push(...committed);
      const store = Store.open(dbPath);
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = store.offers.list();
      const byId = new Map(rows.map((r) => [r.offerId, r]));
      for (const id of all) {
        const n = Number.parseInt(id, 16);
        const r = byId.get(id);
        expect(r).toBeDefined();
        expect(r).toMatchObject({ bolt12: `lno1${'q'.repeat(200)}${n}`, label: `label ${n}`, description: `desc ${n}`, singleUse: n % 2 === 1 });
        expect(r!.active).toBe(n % 3 !== 0);
      }
      // Rows beyond the last reported one may exist (committed just before the
      // kill), but every row is whole.
      for (const r of rows) expect(r.bolt12.startsWith(`lno1${'q'.repeat(200)}`)).toBe(true);
      start = Math.max(...rows.map((r) => Number.parseInt(r.offerId, 16))) + 1;
      store.close();
    }
  });
});
