// The payment engine against the simulated network in process, when the
// connection to the node fails around sendonion (cln-rpc-digest §5.6, §6;
// docs/host/payments.md "Flow and crash safety"). The device here is a test
// double built on the host's @noble reference Sphinx (host/onion/sphinx.ts)
// — the product code only ever asks the real device (e2e-pay.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { LightningRpcClient, LightningTransportError } from '../host/node/client.js';
import { PaymentEngine, type OnionDevice, type PayNode } from '../host/payments/engine.js';
import { buildOnion } from '../host/onion/sphinx.js';
import { RpcError } from '../host/rpc/errors.js';
import { Store } from '../host/store/index.js';
import type { Hop } from '../host/payments/route.js';

let dir: string;
let sim: RunningSimnet;
let node: LightningRpcClient;
const quiet = { info() {}, warn() {}, error() {} };
const device: OnionDevice = {
  nodeId: '02' + '11'.repeat(32),
  async buildOnion(r) {
    return buildOnion(randomBytes(32), r.hops, r.assocData);
  },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lns-engine-'));
  sim = await startSimnet(join(dir, 'sim'), { nodes: 4, seed: 'engine-test' });
  node = new LightningRpcClient(sim.rpcFile, { timeoutMs: 10_000 });
});
afterAll(async () => {
  node.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function payment(alias: string, amount: bigint) {
  const inv = (await node.call('dev-simnet-invoice', { node: alias, amount_msat: amount })) as { payment_hash: string; payment_secret: string; destination: string };
  const route: Hop[] = (await node.getroute({ id: inv.destination, amount_msat: amount, riskfactor: 10, cltv: 18 }))
    .map((h) => ({ id: h.id, channel: h.channel, amountMsat: h.amount_msat, delay: h.delay }));
  return { inv, route };
}

/** A node whose sendonion loses the connection `when` the request reached it (after) or before. */
function flakyNode(when: 'before' | 'after'): PayNode {
  let failed = false;
  return {
    getinfo: () => node.getinfo(),
    waitsendpay: (p) => node.waitsendpay(p),
    listsendpays: (p) => node.listsendpays(p),
    async sendonion(p) {
      if (failed) return node.sendonion(p);
      failed = true;
      if (when === 'after') await node.sendonion(p);
      throw new LightningTransportError('connection to lightning-rpc closed');
    },
  };
}

describe('connection lost around sendonion', () => {
  it('lost after the node took it: the part stays pending, then is adopted and completes (sent once)', async () => {
    const store = Store.open(join(dir, 'a.sqlite3'));
    const engine = new PaymentEngine(store, flakyNode('after'), () => device, quiet);
    await engine.start();
    const { inv, route } = await payment('carol', 10_000n);
    const err = await engine.sendpay({ route, paymentHash: inv.payment_hash, paymentSecret: inv.payment_secret, partid: 0n }).catch((e) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err.code).toBe(-1);
    expect(store.payments.byHash(inv.payment_hash).map((p) => [p.status, p.stage])).toEqual([['pending', 'onion']]);
    // waitsendpay ends once the background reconciliation has asked the node
    const done = (await engine.waitsendpay(inv.payment_hash, 30, 0n, undefined)) as { status: string };
    expect(done.status).toBe('complete');
    expect((await node.listsendpays({ payment_hash: inv.payment_hash })).length).toBe(1);
    engine.stop();
    store.close();
  });

  it('lost before the node saw it: reconciliation finds nothing on the node, marks it failed (never sent); a new group pays', async () => {
    const store = Store.open(join(dir, 'b.sqlite3'));
    const engine = new PaymentEngine(store, flakyNode('before'), () => device, quiet);
    await engine.start();
    const { inv, route } = await payment('carol', 10_000n);
    await expect(engine.sendpay({ route, paymentHash: inv.payment_hash, paymentSecret: inv.payment_secret, partid: 0n })).rejects.toThrow(/Lost the node/);
    const w = await engine.waitsendpay(inv.payment_hash, 30, 0n, undefined).catch((e) => e);
    expect(w).toMatchObject({ code: 209 });
    expect(store.payments.byHash(inv.payment_hash).map((p) => [p.status, p.stage])).toEqual([['failed', 'unsent']]);
    expect(await node.listsendpays({ payment_hash: inv.payment_hash })).toEqual([]);
    const again = (await engine.sendpay({ route, paymentHash: inv.payment_hash, paymentSecret: inv.payment_secret, partid: 0n })) as { groupid: bigint };
    expect(again.groupid).toBe(2n);
    expect(((await engine.waitsendpay(inv.payment_hash, 30, 0n, undefined)) as { status: string }).status).toBe('complete');
    engine.stop();
    store.close();
  });

  it('a restart with an in-flight (sent) part tracks it to its end', async () => {
    const path = join(dir, 'c.sqlite3');
    let store = Store.open(path);
    let engine = new PaymentEngine(store, node, () => device, quiet);
    await engine.start();
    // hold the payment at the payee: an MPP part of a bigger total
    const { inv, route } = await payment('bob', 20_000n);
    const half = route.map((h, i) => ({ ...h, amountMsat: h.amountMsat / 2n + (i === route.length - 1 ? 0n : 1n) }));
    await engine.sendpay({ route: half, paymentHash: inv.payment_hash, paymentSecret: inv.payment_secret, partid: 1n, groupid: 1n, amountMsat: 20_000n });
    engine.stop();
    store.close();
    store = Store.open(path);
    engine = new PaymentEngine(store, node, () => device, quiet);
    await engine.start();
    expect(store.payments.inFlight().length).toBe(1);
    await engine.sendpay({ route: half, paymentHash: inv.payment_hash, paymentSecret: inv.payment_secret, partid: 2n, groupid: 1n, amountMsat: 20_000n });
    for (const partid of [1n, 2n]) {
      expect(((await engine.waitsendpay(inv.payment_hash, 30, partid, 1n)) as { status: string }).status).toBe('complete');
    }
    engine.stop();
    store.close();
  });
});

describe('a payment the device did not get confirmed', () => {
  it('denied or timed out on the device is CLN\'s "declined" (213); busy says to try again', async () => {
    const { deviceRefusal, PAY_INVOICE_PREAPPROVAL_DECLINED } = await import('../host/payments/engine.js');
    const { DeviceError } = await import('../host/transport/errors.js');
    const P = await import('../shared/protocol.js');
    const denied = deviceRefusal(new DeviceError(P.ERR_CONFIRM_DENIED, P.MSG_BUILD_ONION, 0));
    expect(denied).toMatchObject({ code: PAY_INVOICE_PREAPPROVAL_DECLINED, message: expect.stringMatching(/denied on the device/) });
    expect(denied.data).toMatchObject({ device_status: 'ERR_CONFIRM_DENIED' });
    const late = deviceRefusal(new DeviceError(P.ERR_CONFIRM_TIMEOUT, P.MSG_BUILD_ONION, 0));
    expect(late).toMatchObject({ code: PAY_INVOICE_PREAPPROVAL_DECLINED, message: expect.stringMatching(/not confirmed on the device in time/) });
    const busy = deviceRefusal(new DeviceError(P.ERR_CONFIRM_BUSY, P.MSG_BUILD_ONION, 0));
    expect(busy.message).toMatch(/waiting for a confirmation of another request/);
    expect(busy.code).not.toBe(PAY_INVOICE_PREAPPROVAL_DECLINED);
  });
});
