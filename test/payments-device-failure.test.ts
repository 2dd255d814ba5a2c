// The payment engine's BOLT 12 parts (sendDevicePart, host/payments/engine.ts)
// when their HTLC fails: sendonion carries no shared secrets (the host has
// none), the node answers 202 with the raw `onionreply`, and the engine hands
// it with the part's stored pay_invoice payload to the device (pay_failed).
// Decoded ⇒ CLN's failure fields from the device's erring hop and failure
// message, the part released, in one write; the device unreachable or
// refusing ⇒ 202 "Malformed error reply" with the onion kept (listsendpays
// erroronion, as CLN shows a failure it could not decode) and the part not
// released, until pay shows it again (store.setDecodedFailure). The node and
// the device are test doubles here (the real ones: test/e2e-pay-bolt12.test.ts,
// test/device-pay-invoice.test.ts). cln-rpc-digest §5.6, §6.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PaymentEngine, type OnionDevice, type PayNode } from '../host/payments/engine.js';
import { LightningRpcError } from '../host/node/client.js';
import { Store } from '../host/store/index.js';
import { paymentEntry } from '../host/payments/format.js';
import { decodePayInvoice, encodePayInvoice, type PayInvoicePart, type PartFailure } from '../host/device-client/payer-requests.js';
import { ERR_PAY_RULE, MSG_PAY_FAILED, ONION_PACKET_SIZE, PAY_RULE_FAILURE } from '../shared/protocol.js';
import { DeviceError } from '../host/transport/errors.js';

const quiet = { info() {}, warn() {}, error() {} };
const US = '02' + '11'.repeat(32);
const A = '03' + 'aa'.repeat(32);
const B = '02' + 'bb'.repeat(32);
const C = '03' + 'cc'.repeat(32);
const HASH = '77'.repeat(32);
const ONIONREPLY = 'ee'.repeat(292);

const part: PayInvoicePart = {
  invoice: Uint8Array.of(0, 1, 2), invreqSignature: new Uint8Array(64).fill(5), partId: 1n, firstHopAmountMsat: 1100n,
  hops: [A, B, C].map((id) => ({ pubkey: Uint8Array.from(Buffer.from(id, 'hex')), payload: Uint8Array.of(2, 2, 0) })),
};

/** A node that takes the part and fails it with 202 + onionreply (sendonion without shared_secrets). */
function node(seen: unknown[]): PayNode {
  return {
    getinfo: async () => ({ blockheight: 100, id: US }),
    async sendonion(p) { seen.push(p); return { status: 'pending' }; },
    async waitsendpay() {
      throw new LightningRpcError('waitsendpay', 202, 'Malformed error reply', { onionreply: ONIONREPLY, status: 'failed' });
    },
    listsendpays: async () => [],
  };
}

async function run(payFailed: OnionDevice['payFailed']) {
  const dir = mkdtempSync(join(tmpdir(), 'lns-devfail-'));
  const store = Store.open(join(dir, 's.sqlite3'));
  const seen: unknown[] = [];
  const device: OnionDevice = { nodeId: US, buildOnion: async () => { throw new Error('not used'); }, payFailed };
  const engine = new PaymentEngine(store, node(seen), () => device, quiet);
  await engine.start();
  const rec = await engine.sendDevicePart({
    paymentHash: HASH, partid: 1n, groupid: 1n, finalMsat: 1000n, totalMsat: 1000n, destination: C,
    routeNodes: [A, B, C], routeChannels: ['1x1x1', '2x2x2', '3x3x3'], bolt12: 'lni1test',
    firstHop: { id: A, amountMsat: 1100n, delay: () => 40 },
    build: async () => ({ onion: new Uint8Array(ONION_PACKET_SIZE), partRef: new Uint8Array(16).fill(9), payRequest: encodePayInvoice(part) }),
  });
  const done = await engine.settled(rec.id, Date.now() + 5000);
  engine.stop();
  const out = { done, seen, entry: paymentEntry(done, { erroronion: true }), store };
  return { ...out, close: () => { store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

describe('a BOLT 12 part failed with an onionreply', () => {
  it('sendonion has no shared_secrets; the device decodes it (given the stored payload): CLN fields, released', async () => {
    const asked: { part: PayInvoicePart; reply: string }[] = [];
    const msg = Uint8Array.of(0x10, 0x07, 0, 0);
    const r = await run(async (p, reply) => {
      asked.push({ part: p, reply: Buffer.from(reply).toString('hex') });
      return { erringIndex: 1, failcode: 0x1007, failureMessage: msg } satisfies PartFailure;
    });
    try {
      expect((r.seen[0] as Record<string, unknown>).shared_secrets).toBeUndefined();
      expect(asked).toHaveLength(1);
      expect(asked[0].reply).toBe(ONIONREPLY);
      expect(encodePayInvoice(asked[0].part)).toEqual(encodePayInvoice(part));
      expect(r.done.sharedSecrets).toBeUndefined();
      expect(r.done.partReleased).toBe(true);
      // erring hop 1 of the device's route (B) = CLN erring_index 2; the channel out of B (into C).
      expect(r.done.failure).toMatchObject({
        code: 204, erringIndex: 2, failcode: 0x1007, failcodename: 'WIRE_TEMPORARY_CHANNEL_FAILURE', erringNode: B, erringChannel: '3x3x3', rawMessage: '10070000',
      });
      expect(r.entry.erroronion).toBeUndefined();
    } finally {
      r.close();
    }
  });

  it('device unreachable: 202 "Malformed error reply" with the onion kept, not released; decoded later in one write', async () => {
    const r = await run(async () => { throw new Error('device disconnected'); });
    try {
      expect(r.done.partReleased).toBeUndefined();
      expect(r.done.failure).toMatchObject({ code: 202, message: 'Malformed error reply', erroronion: ONIONREPLY });
      expect(r.entry.erroronion).toBe(ONIONREPLY);
      expect(encodePayInvoice(decodePayInvoice(Uint8Array.from(Buffer.from(r.done.payRequest!, 'hex'))))).toEqual(encodePayInvoice(part));
      // What pay does once the device answers (host/payer/pay.ts release).
      expect(r.store.payments.setDecodedFailure(r.done.id, { code: 204, message: 'failed: WIRE_TEMPORARY_CHANNEL_FAILURE (reply from remote)', erringIndex: 2, failcode: 0x1007, erroronion: ONIONREPLY })).toBe(true);
      const again = r.store.payments.byId(r.done.id)!;
      expect(again.partReleased).toBe(true);
      expect(again.failure).toMatchObject({ code: 204, erringIndex: 2 });
      expect(paymentEntry(again, { erroronion: true }).erroronion).toBeUndefined();
    } finally {
      r.close();
    }
  });

  it('refused as an unknown part (released already: a resend after a lost reply): undecoded, released', async () => {
    const r = await run(async () => { throw new DeviceError(ERR_PAY_RULE, MSG_PAY_FAILED, PAY_RULE_FAILURE | (1 << 8)); });
    try {
      expect(r.done.partReleased).toBe(true);
      expect(r.done.failure).toMatchObject({ code: 202, erroronion: ONIONREPLY });
    } finally {
      r.close();
    }
  });
  it('refused because no hop verifies (3): undecoded, still live on the device, not released', async () => {
    const r = await run(async () => { throw new DeviceError(ERR_PAY_RULE, MSG_PAY_FAILED, PAY_RULE_FAILURE | (3 << 8)); });
    try {
      expect(r.done.partReleased).toBeUndefined();
      expect(r.done.failure).toMatchObject({ code: 202, message: 'Malformed error reply' });
    } finally {
      r.close();
    }
  });
});
