// The README's main job (`npm start` = `lnsigner demo`): an emulated signer
// provisioned with its own secret, the daemon on a local data dir, and a walk
// through getinfo / offer / listoffers over the real CLI, PTY and SQLite.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LNSIGNER_BIN } from '../host/process/announced.js';
import { decodeOffer } from '../host/bolt12/index.js';

function demoOnce(dataDir: string) {
  const r = spawnSync(process.execPath, [LNSIGNER_BIN, 'demo', '--data-dir', dataDir, '--once'], { encoding: 'utf8', timeout: 60_000 });
  // The walk-through prints one JSON document per command after its "$ lnsigner ..." line.
  const docs = r.stdout.split(/^\$ lnsigner .*$/m).slice(1).map((s) => JSON.parse(s));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, docs };
}

describe('lnsigner demo (npm start)', () => {
  it('provisions once, serves offers, and keeps them across runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lnsigner-demo-'));
    const first = demoOnce(dir);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('lnsigner is running (network regtest)');
    const [info, offer, list] = first.docs;
    expect(info.id).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(info.network).toBe('regtest');
    expect(offer.created).toBe(true);
    const decoded = decodeOffer(offer.bolt12);
    expect(Buffer.from(decoded.fields.offer_issuer_id!).toString('hex')).toBe(info.id);
    expect(decoded.fields.offer_amount).toBe(1_000_000n);
    expect(list.offers.map((o: { offer_id: string }) => o.offer_id)).toEqual([offer.offer_id]);

    const second = demoOnce(dir);
    expect(second.status, second.stderr).toBe(0);
    const [info2, offer2, list2] = second.docs;
    expect(info2.id).toBe(info.id); // same device secret, from the emulator's flash
    expect(offer2).toMatchObject({ offer_id: offer.offer_id, created: false });
    expect(list2.offers).toHaveLength(1);
  });

  it('Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops everything and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lnsigner-demo-'));
    // Its own process group, so the signal reaches the demo and its children
    // (the emulator and the daemon) as a terminal's Ctrl-C does.
    const p = spawn(process.execPath, [LNSIGNER_BIN, 'demo', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    await new Promise<void>((ready, fail) => {
      p.stdout.on('data', (d) => {
        out += d;
        if (out.includes('Ctrl-C stops')) ready();
      });
      void exited.then(() => fail(new Error(`demo exited early: ${err}`)));
    });
    process.kill(-p.pid!, 'SIGINT');
    expect(await exited, err).toBe(0);
  }, 60_000);
});
