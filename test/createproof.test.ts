// createproof (host/commands/createproof.ts): Core Lightning's params and
// result over the payments table and the device (WASM chip): a paid invoice
// or the offer paid through gives one proof per paid invoice, each a valid
// lnp1 payer proof signed on the device with the payer key; 1700 when nothing
// was paid; include by names or numbers; device refusals name their rule.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { secp } from '../host/crypto/noble.js';
import * as P from '../shared/protocol.js';
import {
  decodeToJson, encodeBolt12String, encodeTlvStream, merkleRoot, readTlvRecords, signatureMessage, verifyPayerProof,
} from '../host/bolt12/index.js';
import { signPayerProofOn } from '../host/device-client/proof-requests.js';
import { DeviceError } from '../host/transport/errors.js';
import { Store } from '../host/store/index.js';
import { createproof } from '../host/commands/createproof.js';
import { parseParams } from '../host/rpc/params.js';
import { parseJson } from '../host/rpc/json-scan.js';
import { BadParamError, RpcError } from '../host/rpc/errors.js';
import type { CommandContext } from '../host/commands/context.js';
import type { DeviceSigner } from '../host/daemon/device-signer.js';
import { ChipRefusal, chipCall, provisionedChip } from './helpers/chip.js';
import { keyCases, payerKeyRef } from './helpers/device-requests.js';
import { h, vector } from './helpers/bytes.js';

const V = vector('payer-proof-test.json');
const K = keyCases[0];
const { chip, nodeId } = provisionedChip(K.file);
const port = {
  request: async (t: number, p: Uint8Array) => {
    try { return chipCall(chip, t, p); } catch (e) { if (e instanceof ChipRefusal) throw new DeviceError(e.code, t, e.detail); throw e; }
  },
};
const signer = { signPayerProof: (u: any) => signPayerProofOn(port, u) } as unknown as DeviceSigner;

const dir = mkdtempSync(join(tmpdir(), 'createproof-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = Store.open(join(dir, 'store.sqlite3'));
const ctx = {
  store, log: { info() {}, warn() {}, error() {} },
  device: { signer, info: { nodeId, firmwareVersion: 't', imageHash: '' } },
} as unknown as CommandContext;

const MERCHANT = h(V.keys.invoice_node_id.secret);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The vector invoice re-made for our payer key (metadata `meta`), a payment hash of `preimage`, signed by the merchant. */
function invoice(preimage: Uint8Array, meta: Uint8Array, extra: [bigint, Uint8Array][] = []): Uint8Array {
  const set = new Map<bigint, Uint8Array>(readTlvRecords(h(V.valid_vectors[0].input.invoice_hex)).filter((r) => r.type !== 240n).map((r) => [r.type, r.value]));
  set.set(0n, meta);
  set.set(88n, h(payerKeyRef(K.secretData, K.nodePriv, meta).id));
  set.set(168n, sha256(preimage));
  set.set(10n, new TextEncoder().encode('coffee'));
  for (const [t, v] of extra) set.set(t, v);
  const entries = [...set].map(([type, value]) => ({ type, value }));
  const sig = secp.schnorr.sign(signatureMessage('invoice', 'signature', merkleRoot(encodeTlvStream(entries))), MERCHANT, new Uint8Array(32));
  return encodeTlvStream([...entries, { type: 240n, value: sig }]);
}

/** A completed sendpay part for `inv` (its bolt12 column set when `withBolt12`). */
function paid(inv: Uint8Array, preimage: Uint8Array, status: 'complete' | 'pending' = 'complete', withBolt12 = true): void {
  const hash = hex(sha256(preimage));
  const r = store.payments.reserve(hash, () => ({
    insert: {
      paymentHash: hash, groupid: 1n, partid: 0n, amountMsat: 1000n, totalMsat: 1000n, amountSentMsat: 1001n,
      routeNodes: [hex(nodeId)], routeChannels: ['1x1x1'], bolt12: withBolt12 ? encodeBolt12String('lni', inv) : undefined,
    },
  }));
  if (status === 'complete' && 'inserted' in r) store.payments.complete(r.inserted.id, hex(preimage));
}

async function run(params: Record<string, unknown>, c: CommandContext = ctx): Promise<any> {
  return createproof.run(parseParams(createproof.params, parseJson(JSON.stringify(params))), c, { id: '1', method: 'createproof' } as any);
}
/** The JSON-RPC error code and message a call fails with (a BadParamError is -32602). */
async function fails(params: Record<string, unknown>, c: CommandContext = ctx): Promise<{ code: number; message: string }> {
  try { await run(params, c); } catch (e) {
    if (e instanceof RpcError) return e;
    if (e instanceof BadParamError) return { code: -32602, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

const PRE1 = h('31'.repeat(32));
const INV1 = invoice(PRE1, h('a1'.repeat(16)));
paid(INV1, PRE1, 'complete', false); // a sendpay without the bolt12 column: proved from the given invoice

describe('createproof', () => {
  it('a paid invoice: one proof, Core Lightning\'s result fields, valid and signed with our payer key', async () => {
    const r = await run({ invstring: encodeBolt12String('lni', INV1), note: 'challenge 42' });
    expect(r.proofs).toHaveLength(1);
    const pr = r.proofs[0];
    expect(Object.keys(pr)).toEqual(['bolt12', 'offer_fields_included', 'invreq_fields_included', 'invoice_fields_included']);
    expect(pr.bolt12).toMatch(/^lnp1/);
    expect(pr.offer_fields_included).toEqual(['offer_description', 'offer_issuer_id']);
    expect(pr.invreq_fields_included).toEqual(['invreq_payer_id']);
    expect(pr.invoice_fields_included).toEqual(['invoice_created_at', 'invoice_payment_hash', 'invoice_amount', 'invoice_features', 'invoice_node_id', 'signature']);
    const p = verifyPayerProof(pr.bolt12);
    expect(p.note).toBe('challenge 42');
    expect(p.preimage).toEqual(PRE1);
    const j = decodeToJson(pr.bolt12).json;
    expect(j.valid).toBe(true);
    expect(j.offer_description).toBe('coffee');
    expect(j.invreq_payer_id).toBe(payerKeyRef(K.secretData, K.nodePriv, h('a1'.repeat(16))).id);
  });

  it('include by names and numbers (only those present are disclosed; required ones always)', async () => {
    const r = await run({ invstring: encodeBolt12String('lni', INV1), include: ['invreq_amount', 160, '162', 'offer_issuer'] });
    const pr = r.proofs[0];
    expect(pr.offer_fields_included).toEqual([]);
    expect(pr.invreq_fields_included).toEqual(['invreq_amount', 'invreq_payer_id']);
    expect(pr.invoice_fields_included).toEqual(['invoice_paths', 'invoice_blindedpay', 'invoice_payment_hash', 'invoice_features', 'invoice_node_id', 'signature']);
    expect(decodeToJson(pr.bolt12).json.valid).toBe(true);
  });

  it('an offer: one proof per paid invoice for it (pending parts and other offers left out)', async () => {
    const pre2 = h('32'.repeat(32)), pre3 = h('33'.repeat(32)), pre4 = h('34'.repeat(32));
    const inv2 = invoice(pre2, h('a2'.repeat(16)));
    const inv3 = invoice(pre3, h('a3'.repeat(16)));
    const inv4 = invoice(pre4, h('a4'.repeat(16)));
    paid(inv2, pre2);
    paid(inv3, pre3);
    paid(inv4, pre4, 'pending');
    const other = invoice(h('35'.repeat(32)), h('a5'.repeat(16)), [[10n, new TextEncoder().encode('tea')]]);
    paid(other, h('35'.repeat(32)));
    const offer = encodeTlvStream(readTlvRecords(inv2).filter((r) => r.type >= 1n && r.type <= 79n).map((r) => ({ type: r.type, value: r.value })));
    const r = await run({ invstring: encodeBolt12String('lno', offer) });
    expect(r.proofs).toHaveLength(2);
    expect(r.proofs.map((x: any) => hex(verifyPayerProof(x.bolt12).preimage!))).toEqual([hex(pre2), hex(pre3)]);
  });

  it('nothing paid: 1700, as Core Lightning', async () => {
    const pre = h('41'.repeat(32));
    const e = await fails({ invstring: encodeBolt12String('lni', invoice(pre, h('b1'.repeat(16)))) });
    expect(e.code).toBe(1700);
    expect(e.message).toBe('We could not find a successful payment for that invstring.');
    const pending = h('42'.repeat(32));
    const inv = invoice(pending, h('b2'.repeat(16)));
    paid(inv, pending, 'pending');
    expect((await fails({ invstring: encodeBolt12String('lni', inv) })).code).toBe(1700);
  });

  it('bad parameters: unknown field name, invreq_metadata, not an invoice or offer', async () => {
    expect((await fails({ invstring: encodeBolt12String('lni', INV1), include: ['no_such_field'] })).code).toBe(-32602);
    expect((await fails({ invstring: encodeBolt12String('lni', INV1), include: [0] })).code).toBe(-32602);
    expect((await fails({ invstring: 'alice@example.com' })).code).toBe(-32602);
  });

  it('the device refuses an invoice that is not for its payer key (2100, rule 4); no device: -1', async () => {
    const pre = h('51'.repeat(32));
    const meta = h('c1'.repeat(16));
    const set = new Map<bigint, Uint8Array>(readTlvRecords(invoice(pre, meta)).filter((r) => r.type !== 240n).map((r) => [r.type, r.value]));
    set.set(88n, h(V.keys.invreq_payer_id.pubkey)); // someone else's payer key
    const entries = [...set].map(([type, value]) => ({ type, value }));
    const sig = secp.schnorr.sign(signatureMessage('invoice', 'signature', merkleRoot(encodeTlvStream(entries))), MERCHANT, new Uint8Array(32));
    const theirs = encodeTlvStream([...entries, { type: 240n, value: sig }]);
    paid(theirs, pre);
    const e = await fails({ invstring: encodeBolt12String('lni', theirs) });
    expect(e.code).toBe(2100);
    expect(e.message).toMatch(/rule 4 \(ours\)/);
    const none = { ...ctx, device: undefined, deviceProblem: 'No signing device connected' } as CommandContext;
    expect((await fails({ invstring: encodeBolt12String('lni', INV1) }, none)).code).toBe(-1);
    expect(P.ERR_PROOF_RULE).toBe(0x63);
  });
});
