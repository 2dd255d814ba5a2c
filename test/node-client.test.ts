// host/node: the Core Lightning JSON-RPC client and its typed decoders.
// Contract: every example response in cln-rpc-examples.json of the commands
// the client speaks (getroute, sendonion, waitsendpay, listsendpays; sendpay
// returns the same payment object) decodes with the client's decoders. The
// file has no getinfo or listpeerchannels examples; those decoders are run
// against the simnet here and in simnet.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJson, toPlain } from '../host/rpc/json-scan.js';
import {
  decodeGetroute,
  decodeListsendpays,
  decodePayment,
  decodePaymentFailure,
  decodeSendonion,
  decodeWaitsendpay,
  decodeListpeerchannels,
  decodeGetinfo,
  ShapeError,
} from '../host/node/types.js';
import { LightningRpcClient, LightningRpcError, LightningTransportError } from '../host/node/client.js';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { spawnAnnounced } from '../host/process/announced.js';
import { existsSync } from 'node:fs';

// Read with the project's JSON reader so u64 groupids beyond 2^53 stay exact.
const examples = toPlain(parseJson(readFileSync(join(__dirname, 'vectors', 'cln-rpc-examples.json'), 'utf8'))) as {
  command: string;
  request: { id: string; params: Record<string, unknown> };
  response: Record<string, unknown>;
}[];
const of = (cmd: string) => examples.filter((e) => e.command === cmd);

describe('cln-rpc-examples.json contract', () => {
  it('has examples for the commands the client decodes', () => {
    for (const c of ['getroute', 'sendonion', 'waitsendpay', 'listsendpays', 'sendpay']) expect(of(c).length).toBeGreaterThan(0);
    expect(of('getinfo')).toHaveLength(0);
    expect(of('listpeerchannels')).toHaveLength(0);
  });

  it('getroute examples decode, field for field', () => {
    for (const e of of('getroute')) {
      const r = decodeGetroute(e.response);
      const raw = e.response.route as Record<string, unknown>[];
      expect(r.route).toHaveLength(raw.length);
      r.route.forEach((h, i) => {
        expect(h).toEqual({ ...raw[i], amount_msat: BigInt(raw[i].amount_msat as number) });
      });
    }
  });

  it('sendonion / sendpay / waitsendpay examples decode', () => {
    const so = decodeSendonion(of('sendonion')[0].response);
    expect(so).toMatchObject({ status: 'pending', message: 'Monitor status with listpays or waitsendpay', id: 10, groupid: 1n, amount_sent_msat: 1002n });
    expect(so.amount_msat).toBeUndefined();
    const sp = decodePayment(of('sendpay')[0].response, 'sendpay');
    expect(sp).toMatchObject({ status: 'pending', amount_msat: 10000n, amount_sent_msat: 10001n });
    const w = decodeWaitsendpay(of('waitsendpay')[0].response);
    expect(w).toMatchObject({ status: 'complete', payment_preimage: '3e3b17b070d9dc4a'.repeat(4), completed_at: 1738000000 });
  });

  it('every listsendpays entry decodes: pending, complete, failed, erroronion, bolt11/bolt12, u64 groupids', () => {
    for (const e of of('listsendpays')) {
      const raw = e.response.payments as Record<string, unknown>[];
      const { payments } = decodeListsendpays(e.response);
      expect(payments).toHaveLength(raw.length);
      payments.forEach((p, i) => {
        expect(Object.keys(p).sort()).toEqual(Object.keys(raw[i]).sort());
        expect(p.groupid).toBe(BigInt(raw[i].groupid as number | bigint));
      });
    }
    const all = decodeListsendpays(of('listsendpays')[1].response).payments;
    expect(all.find((p) => p.erroronion)).toMatchObject({ status: 'failed', id: 10 });
    expect(all.find((p) => p.bolt12)?.bolt12).toMatch(/^lni1/);
    expect(all.find((p) => p.id === 7)!.groupid).toBe(7996705382748537150n);
    expect(new Set(all.map((p) => p.status))).toEqual(new Set(['pending', 'complete', 'failed']));
  });

  it('decoders refuse responses of the wrong shape', () => {
    const good = of('waitsendpay')[0].response;
    expect(() => decodeWaitsendpay({ ...good, status: 'pending' })).toThrow(ShapeError);
    expect(() => decodeWaitsendpay({ ...good, payment_preimage: undefined })).toThrow(/payment_preimage/);
    expect(() => decodePayment({ ...good, payment_hash: 'xyz' }, 'p')).toThrow(/payment_hash/);
    expect(() => decodePayment({ ...good, amount_sent_msat: '10001msat' }, 'p')).toThrow(/amount_sent_msat/);
    const route = of('getroute')[0].response;
    expect(() => decodeGetroute({ route: [{ ...(route.route as object[])[0], style: 'legacy' }] })).toThrow(/style/);
    expect(() => decodeGetroute({ route: [{ ...(route.route as object[])[0], channel: '1:2:3' }] })).toThrow(/channel/);
    expect(() => decodeListsendpays({})).toThrow(/payments/);
    expect(() => decodeGetinfo({ id: '02' + '00'.repeat(32) })).toThrow(ShapeError);
    expect(() => decodeListpeerchannels({ channels: [{ peer_id: 'nope' }] })).toThrow(/peer_id/);
  });

  it('waitsendpay failure data decodes into payment + routing failure (§5.6)', () => {
    const pay = of('waitsendpay')[0].response;
    const f = decodePaymentFailure({ ...pay, status: 'failed', payment_preimage: undefined, erring_index: 1, failcode: 4103, failcodename: 'WIRE_TEMPORARY_CHANNEL_FAILURE', erring_node: pay.destination, erring_channel: '118x1x0', erring_direction: 0, raw_message: '10070000' });
    expect(f).toMatchObject({ erring_index: 1, failcode: 4103, erring_channel: '118x1x0', raw_message: '10070000', payment: { status: 'failed', id: 2 } });
  });
});

describe('LightningRpcClient', () => {
  let dir: string;
  let sim: RunningSimnet;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'node-client-'));
    sim = await startSimnet(join(dir, 'sim'), { nodes: 3, seed: 'client' });
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('typed getinfo / listpeerchannels / getroute against the simnet; concurrent requests matched by id', async () => {
    const c = new LightningRpcClient(sim.rpcFile);
    const [info, chans, ...routes] = await Promise.all([
      c.getinfo(),
      c.listpeerchannels(),
      ...sim.nodes.slice(1).map((n, i) => c.getroute({ id: n.id, amount_msat: BigInt(1000 * (i + 1)), riskfactor: 1 })),
    ]);
    expect(info.id).toBe(sim.nodes[0].id);
    expect(chans.length).toBe(2);
    routes.forEach((r, i) => {
      expect(r[r.length - 1].id).toBe(sim.nodes[i + 1].id);
      expect(r[r.length - 1].amount_msat).toBe(BigInt(1000 * (i + 1)));
    });
    c.close();
  });

  it('CLN error objects surface as LightningRpcError with code, message and data', async () => {
    const c = new LightningRpcClient(sim.rpcFile);
    const e1 = await c.call('nosuchcommand').catch((e) => e);
    expect(e1).toBeInstanceOf(LightningRpcError);
    expect(e1).toMatchObject({ code: -32601, message: "Unknown command 'nosuchcommand'" });
    const e2 = await c.waitsendpay({ payment_hash: '00'.repeat(32) }).catch((e) => e);
    expect(e2).toMatchObject({ code: 208, message: `Never attempted payment part 0 for '${'00'.repeat(32)}'` });
    const e3 = await c.getroute({ id: sim.nodes[2].id, amount_msat: 1n, riskfactor: 1, exclude: sim.nodes.slice(1).map((n) => n.id) }).catch((e) => e);
    expect(e3).toMatchObject({ code: 205, message: 'Could not find a route' });
    const e4 = await c.sendonion({ onion: '01' + '00'.repeat(1365), first_hop: { id: sim.nodes[1].id, amount_msat: 1n, delay: 9 }, payment_hash: '00'.repeat(32) }).catch((e) => e);
    expect(e4).toMatchObject({ code: -32602, message: 'Could not parse the onion. Parsing failed with failcode=49156' });
    c.close();
  });

  it('a server that never answers: transport error on timeout; a closed socket fails what is pending', async () => {
    const path = join(dir, 'silent.sock');
    const conns: import('node:net').Socket[] = [];
    const server: Server = createServer((s) => conns.push(s));
    await new Promise<void>((r) => server.listen(path, r));
    const c = new LightningRpcClient(path, { timeoutMs: 50 });
    await expect(c.getinfo()).rejects.toBeInstanceOf(LightningTransportError);
    const c2 = new LightningRpcClient(path, { timeoutMs: 60_000 });
    const p = c2.getinfo();
    while (conns.length < 2) await new Promise((r) => setImmediate(r));
    for (const s of conns) s.destroy();
    await expect(p).rejects.toThrow(/closed/);
    c.close();
    c2.close();
    await new Promise<void>((r) => server.close(() => r()));
    await expect(new LightningRpcClient(join(dir, 'nothing.sock')).getinfo()).rejects.toThrow(/cannot connect/);
  });
});

describe('lnsigner simnet (the CLI process)', () => {
  it('announces its socket and nodes, serves the client, exits cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simnet-cli-'));
    const p = await spawnAnnounced<{ rpc_file: string; nodes: { id: string; alias: string }[] }>('simnet', ['--data-dir', dir, '--nodes', '4', '--seed', 'cli']);
    try {
      expect(p.announced.rpc_file).toBe(join(dir, 'lightning-rpc'));
      expect(p.announced.nodes.map((n) => n.alias)).toEqual(['payer', 'alice', 'bob', 'carol']);
      // Same seed, same network: the in-process simnet derives the same ids.
      const same = await startSimnet(join(dir, 'again'), { nodes: 4, seed: 'cli' });
      expect(same.nodes).toEqual(p.announced.nodes);
      await same.close();
      const c = new LightningRpcClient(p.announced.rpc_file);
      expect((await c.getinfo()).id).toBe(p.announced.nodes[0].id);
      c.close();
      expect(await p.stop()).toBe(0);
      expect(existsSync(p.announced.rpc_file)).toBe(false);
    } finally {
      await p.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad arguments with usage (exit 3, lightning-cli ERROR_USAGE)', async () => {
    await expect(spawnAnnounced('simnet', ['--nodes', '1', '--data-dir', '/tmp/x'])).rejects.toThrow(/exited \(code 3\).*--nodes/);
    await expect(spawnAnnounced('simnet', [])).rejects.toThrow(/--data-dir/);
  });
});
