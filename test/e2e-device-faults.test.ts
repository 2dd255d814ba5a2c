// End to end with a misbehaving or unready device, one emulator for the file:
// not provisioned yet; provisioned, behind a daemon whose device adapter
// corrupts every signature (test-only); and the daemon SIGKILLed in the middle
// of a load of device-signed invoice_requests and offers, then restarted.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeInvoiceRequest } from '../host/bolt12/index.js';
import { DeviceClient } from '../host/device-client/client.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { Store } from '../host/store/index.js';
import { h } from './helpers/bytes.js';
import { cli, json, L2_HSM_SECRET_HEX, L2_NODE_ID, removeTempDirs, startDaemon, startEmulator, tempDir } from './helpers/e2e.js';

let emu: SpawnedEmulator;
let dir: string;
let link: string;
beforeAll(async () => {
  dir = tempDir();
  ({ emu, link } = await startEmulator(dir, false));
}, 60_000);
afterAll(async () => {
  await emu?.stop();
  removeTempDirs();
});

const BUILT = join(PROJECT_ROOT, 'build/js/host');

describe('e2e: device faults', () => {
  it('an unprovisioned device: store commands work, signing and node-id commands say so (-1)', async () => {
    const data = join(dir, 'unprovisioned');
    const d = await startDaemon(data, link);
    const run = (...a: string[]) => cli(['--data-dir', data, ...a]);
    expect(json(await run('getinfo'))).toMatchObject({ warning_no_device: 'The signing device is not provisioned (no node key yet)', num_offers: 0 });
    expect(json(await run('listoffers'))).toEqual({ offers: [] });
    expect(json(await run('offer', '1sat', 'x'))).toEqual({ code: -1, message: 'The signing device is not provisioned (no node key yet): the offer needs its node id' });
    const r = await run('invoicerequest', '1sat', 'x');
    expect([r.code, json(r)]).toEqual([1, { code: -1, message: 'The signing device is not provisioned (no node key yet): the invoice_request must be signed by it' }]);
    // Without --developer the hidden parameter does not exist; tokens are not echoed.
    expect(json(await run('-k', 'invoicerequest', 'amount=1sat', 'description=x', 'dev_invreq_metadata=00'))).toMatchObject({ code: -32602, message: expect.stringMatching(/^unknown parameter: dev_invreq_metadata, /) });
    expect(json(await run('invoicerequest', 'any', 'x'))).toEqual({ code: -32602, message: 'amount: should be a millisatoshi amount: invalid token (see logs for details)' });
    expect(await d.stop()).toBe(0);
    // Now provision it (as `lnsigner demo` does) for the next cases.
    const c = await DeviceClient.open(link);
    try {
      expect(Buffer.from((await c.provision({ hsmSecret: h(L2_HSM_SECRET_HEX), network: 'regtest' })).nodeId).toString('hex')).toBe(L2_NODE_ID);
    } finally {
      await c.close();
    }
  });

  it('a device signature that does not verify is an error (-1) and nothing is stored', async () => {
    const data = join(dir, 'badsig');
    // The real serial adapter over the emulator's PTY, with one bit of every
    // signature it returns flipped (test-only stand-in for a faulty device).
    const script = `
      import { startDaemon } from ${JSON.stringify(join(BUILT, 'daemon/daemon.js'))};
      import { connectSerialDevice } from ${JSON.stringify(join(BUILT, 'daemon/serial-device.js'))};
      const connectDevice = async (p) => {
        const real = await connectSerialDevice(p);
        return { getInfo: () => real.getInfo(), close: () => real.close(),
                 signBolt12: async (r) => { const s = Uint8Array.from(await real.signBolt12(r)); s[17] ^= 1; return s; } };
      };
      const d = await startDaemon({ dataDir: ${JSON.stringify(data)}, network: 'regtest', device: ${JSON.stringify(link)} }, { connectDevice });
      process.stdout.write(JSON.stringify({ rpc_file: d.rpcFile }) + '\\n');
      process.once('SIGTERM', () => d.stop().then(() => process.exit(0)));`;
    const child = await new Promise<{ stop: () => Promise<number | null> }>((resolve, reject) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
      p.stderr.on('data', (x) => (err += x));
      p.stdout.on('data', (x) => {
        out += x;
        if (out.includes('\n')) resolve({ stop: () => (p.kill('SIGTERM'), exited) });
      });
      void exited.then((c) => reject(new Error(`daemon exited ${c}: ${err}`)));
    });
    const run = (...a: string[]) => cli(['--data-dir', data, ...a]);
    for (const args of [['invoicerequest', '1000sat', 'x'], ['offerout', '1000sat', 'y']]) {
      const r = await run(...args);
      // Issue rule 3: a bad signature from the device is an error and nothing is stored.
      expect([r.code, json(r)]).toEqual([1, { code: -1, message: 'The signing device returned a signature that does not verify; the invoice_request was not created' }]);
    }
    expect(json(await run('listinvoicerequests'))).toEqual({ invoicerequests: [] });
    expect(json(await run('getinfo'))).toMatchObject({ id: L2_NODE_ID, num_invoice_requests: 0 });
    expect(await child.stop()).toBe(0);
    expect(readFileSync(join(data, 'lnsigner.log'), 'utf8')).toMatch(/does not verify for 033845802d/);
  });

  it('daemon SIGKILLed mid-load and restarted on the same device: every answered record is there, whole, nothing partial', async () => {
    const data = join(dir, 'kill');
    let d = await startDaemon(data, link);
    const run = (...a: string[]) => cli(['--data-dir', data, ...a]);
    const answered: Array<{ kind: 'offer' | 'invreq'; id: string; bolt12: string }> = [];
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const signed = (w + i) % 2 === 0;
        const r = signed ? await run('invoicerequest', `${w * 100000 + i + 1}msat`, `w${w} n${i}`) : await run('offer', `${w * 100000 + i + 1}msat`, `w${w} n${i}`);
        if (r.code !== 0) break; // the daemon is gone
        const j = json(r);
        answered.push(signed ? { kind: 'invreq', id: j.invreq_id, bolt12: j.bolt12 } : { kind: 'offer', id: j.offer_id, bolt12: j.bolt12 });
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    while (answered.length < 16) await new Promise((r) => setTimeout(r, 20));
    await d.kill();
    stop = true;
    await load;
    expect(existsSync(join(data, 'lnsigner.pid'))).toBe(true); // left behind, taken over below

    d = await startDaemon(data, link);
    const offers = new Map(json(await run('listoffers')).offers.map((o: { offer_id: string; bolt12: string }) => [o.offer_id, o.bolt12]));
    const reqs = new Map(json(await run('listinvoicerequests')).invoicerequests.map((o: { invreq_id: string; bolt12: string }) => [o.invreq_id, o.bolt12]));
    for (const a of answered) expect((a.kind === 'offer' ? offers : reqs).get(a.id)).toBe(a.bolt12);
    // Nothing partial: every stored request is complete and carries a valid device signature.
    for (const b of reqs.values()) decodeInvoiceRequest(b as string);
    // The device serves the restarted daemon.
    expect(json(await run('invoicerequest', '1sat', 'after restart'))).toMatchObject({ active: true });
    expect(await d.stop()).toBe(0);
    const store = Store.open(join(data, 'lnsigner.sqlite3'));
    try {
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(store.counts().offers.total).toBe(offers.size);
      expect(store.counts().invoice_requests.total).toBe(reqs.size + 1);
    } finally {
      store.close();
    }
  });
});
