// sendinvoice in the real plugin process (bin/lnsigner-plugin.js) under the
// simulated lightningd (`lnsigner simnet --plugin`), the emulator on a PTY as
// the device, provisioned with the hsm_secret node 0 takes its key from
// (--node0-hsm-secret): lightningd's node is the device's node. The other
// side is the independent simulated payer on node 1
// (dev-simnet-invoicerequest: an lnr1… as CLN's invoicerequest; it checks the
// invoice it receives as CLN's offers_inv_hook and pays it once, or answers
// an invoice_error through our reply path). docs/host/sendinvoice.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { secp } from '../host/crypto/noble.js';
import { spawnAnnounced, type AnnouncedProcess } from '../host/process/announced.js';
import { LightningRpcClient } from '../host/node/client.js';
import { checkSignature, decodeBolt12String, encodeBolt12String, encodeTlvStream, merkleRoot, parseInvoice, signatureMessage } from '../host/bolt12/index.js';
import { unblindHop } from '../host/blinding/index.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { removeTempDirs, startEmulator, tempDir } from './helpers/e2e.js';
import { HSM_SECRET, NODE_ID, NODE_PRIV, pathIdOf, preimageNoOfferOf, rec, stream, tu } from './helpers/merchant.js';
import { ascii } from './helpers/bytes.js';
import { refusal } from './helpers/rpc-refusal.js';

const PLUGIN = join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js');
const HSM_HEX = bytesToHex(HSM_SECRET);
const REGTEST = hexToBytes('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f');

afterAll(() => removeTempDirs());

/** A bare lnr1… signed here by `payerPriv` (records in type order; 240 appended). */
function lnr(recs: ReturnType<typeof rec>[], payerPriv: Uint8Array, corrupt = false): string {
  const unsigned = stream([...recs, rec(88, secp.getPublicKey(payerPriv, true))].sort((a, b) => Number(a.type - b.type)));
  const sig = secp.schnorr.sign(signatureMessage('invoice_request', 'signature', merkleRoot(unsigned)), payerPriv, new Uint8Array(32));
  if (corrupt) sig[5] ^= 1;
  return encodeBolt12String('lnr', encodeTlvStream([...decodeRecs(unsigned), { type: 240n, value: sig }]));
}
const decodeRecs = (s: Uint8Array) => {
  const out: { type: bigint; value: Uint8Array }[] = [];
  for (let o = 0; o < s.length;) {
    // Every type and length here is < 0xfd except the experimental types, which use 0xfe (5 bytes).
    const [t, a] = s[o] === 0xfe ? [BigInt(new DataView(s.buffer, s.byteOffset + o + 1, 4).getUint32(0)), 5] : [BigInt(s[o]), 1];
    const [l, b] = s[o + a] === 0xfd ? [(s[o + a + 1] << 8) | s[o + a + 2], 3] : [s[o + a], 1];
    out.push({ type: t, value: s.slice(o + a + b, o + a + b + l) });
    o += a + b + l;
  }
  return out;
};

describe('sendinvoice in the plugin under lnsigner simnet', () => {
  let emu: SpawnedEmulator;
  let sim: AnnouncedProcess<{ rpc_file: string }>;
  let ld: LightningRpcClient;
  let lns: LightningRpcClient;
  let node0: string;
  let node1: string;

  beforeAll(async () => {
    const dir = tempDir('lns-sinv-');
    const started = await startEmulator(dir, true, HSM_HEX);
    emu = started.emu;
    sim = await spawnAnnounced('simnet', [
      '--data-dir', join(dir, 'ln'), '--nodes', '3', '--seed', 'sendinvoice-e2e', '--node0-hsm-secret', HSM_HEX,
      '--plugin', PLUGIN, '--plugin-option', `lnsigner-device=${started.link}`, '--plugin-option', `lnsigner-data-dir=${join(dir, 'lns')}`,
      '--plugin-option', 'lnsigner-key-mode=node',
    ], process.env);
    ld = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 60_000 });
    const info = (await ld.call('lnsigner-getinfo')) as { rpc_file: string };
    lns = new LightningRpcClient(info.rpc_file, { timeoutMs: 60_000 });
    const nodes = ((await ld.call('dev-simnet-nodes')) as { nodes: { id: string }[] }).nodes;
    [node0, node1] = nodes.map((n) => n.id);
  }, 120_000);
  afterAll(async () => {
    ld?.close();
    lns?.close();
    await sim?.kill();
    await emu?.stop();
  });

  const invoicerequest = async (p: Record<string, unknown>) =>
    (await ld.call('dev-simnet-invoicerequest', { node: node1, ...p })) as { bolt12: string; invreq_id: string };
  const invreqStatus = async (bolt12: string) =>
    (await ld.call('dev-simnet-invreq-status', { node: node1, invreq: bolt12 })) as { active: boolean; used: boolean; invoices: { invoice: string; status: string; error?: string; replied: boolean }[] };

  it('paid end to end: the device-signed invoice reaches the payer, which pays it; the result is waitinvoice\'s', async () => {
    expect(node0).toBe(bytesToHex(NODE_ID));
    const r = await invoicerequest({ amount_msat: 50_000, description: 'refund #7' });
    const t0 = Math.floor(Date.now() / 1000);
    const got = (await lns.call('sendinvoice', { invreq: r.bolt12, label: 'refund-7' })) as Record<string, any>;
    expect(got).toEqual(expect.objectContaining({ label: 'refund-7', status: 'paid', amount_msat: 50_000, description: 'refund #7', pay_index: 1 }));
    expect(got.local_offer_id).toBeUndefined();
    expect(got.amount_received_msat).toBeGreaterThanOrEqual(50_000);
    expect(bytesToHex(sha256(hexToBytes(got.payment_preimage)))).toBe(got.payment_hash);
    // The invoice: the request's records copied, signed by the node key (the device), the stub path [node 0], expiry 90.
    const inv = parseInvoice(decodeBolt12String(got.bolt12).bytes);
    checkSignature(inv);
    const f = inv.fields;
    expect(bytesToHex(f.invoice_node_id!)).toBe(node0);
    expect(f.invoice_relative_expiry).toBe(90);
    expect(f.invoice_amount).toBe(50_000n);
    expect(f.invoice_paths!.length).toBe(1);
    const path = f.invoice_paths![0];
    expect(bytesToHex((path.firstNodeId as { pubkey: Uint8Array }).pubkey)).toBe(node0);
    expect(path.hops.length).toBe(1);
    // The path_id is the device's for this hash; the preimage its no-offer derivation (independent @noble model).
    const hop = unblindHop(NODE_PRIV, path.firstPathKey, path.hops[0].encryptedRecipientData);
    expect(bytesToHex(hop.data.pathId!)).toBe(bytesToHex(pathIdOf(f.invoice_payment_hash!)));
    const invreqPart = encodeTlvStream(inv.records.filter((x) => x.type <= 159n || (x.type >= 1000000000n && x.type <= 2999999999n)).map((x) => ({ type: x.type, value: x.value })));
    expect(got.payment_preimage).toBe(bytesToHex(preimageNoOfferOf(merkleRoot(invreqPart), f.invoice_created_at!, 50_000n)));
    expect(Number(f.invoice_created_at)).toBeGreaterThanOrEqual(t0 - 1);
    // listinvoices / waitinvoice show it; the payer paid it once and its single-use request is used.
    const list = (await lns.call('listinvoices', { label: 'refund-7' })) as { invoices: Record<string, unknown>[] };
    expect(list.invoices).toEqual([expect.objectContaining({ status: 'paid', payment_preimage: got.payment_preimage, bolt12: got.bolt12 })]);
    expect(await lns.call('waitinvoice', { label: 'refund-7' })).toEqual(expect.objectContaining({ status: 'paid', pay_index: 1 }));
    expect(await invreqStatus(r.bolt12)).toMatchObject({ active: false, used: true, invoices: [{ invoice: got.bolt12, status: 'paid' }] });

    // An invoice_error through our reply path: the single-use request is spent ⇒ 1004 with the payer's text.
    const e = await refusal(lns.call('sendinvoice', { invreq: r.bolt12, label: 'refund-7b', timeout: 30 }));
    expect(e.code).toBe(1004);
    expect(e.message).toBe('Remote node sent failure message');
    expect((e.data as { error: string }).error).toMatch(/^Failed invoice lni1[0-9a-z]+: invoice_request no longer available$/);
    const s = await invreqStatus(r.bolt12);
    expect(s.invoices[1]).toMatchObject({ status: 'refused', replied: true });
    // The label is taken now (its invoice stays unpaid).
    const dup = await refusal(lns.call('sendinvoice', { invreq: r.bolt12, label: 'refund-7b' }));
    expect([dup.code, dup.message]).toEqual([900, 'Duplicate label']);
  }, 120_000);

  it('through invreq_paths (a blinded path [peer, payer]), amount_msat = invreq_amount given explicitly', async () => {
    const r = await invoicerequest({ amount_msat: 30_000, paths: 2 });
    const got = (await lns.call('sendinvoice', { invreq: r.bolt12, label: 'atm-1', amount_msat: '30000msat', timeout: 600 })) as Record<string, any>;
    expect(got).toEqual(expect.objectContaining({ status: 'paid', amount_msat: 30_000 }));
    expect(parseInvoice(decodeBolt12String(got.bolt12).bytes).fields.invoice_relative_expiry).toBe(600);
  }, 120_000);

  it('timeout: a payer that never pays ⇒ 1005 with data.invstring; the invoice stays unpaid', async () => {
    const r = await invoicerequest({ amount_msat: 7_000, hold: true });
    const t = Date.now();
    const e = await refusal(lns.call('sendinvoice', { invreq: r.bolt12, label: 'held-1', timeout: 2 }));
    expect([e.code, e.message]).toEqual([1005, 'Failed: timeout waiting for response']);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1900);
    const invstring = (e.data as { invstring: string }).invstring;
    expect(invstring.startsWith('lni1')).toBe(true);
    expect((await invreqStatus(r.bolt12)).invoices).toEqual([expect.objectContaining({ invoice: invstring, status: 'held' })]);
    const list = (await lns.call('listinvoices', { label: 'held-1' })) as { invoices: Record<string, unknown>[] };
    expect(list.invoices).toEqual([expect.objectContaining({ bolt12: invstring, status: expect.stringMatching(/^(unpaid|expired)$/) })]);
  }, 60_000);

  it('refused before the device is asked: recurring (CLN\'s FIXME), offer fields, a broken payer signature, another amount than invreq_amount', async () => {
    const payer = sha256(ascii('sendinvoice e2e payer'));
    const base = [rec(0, new Uint8Array(16).fill(3)), rec(10, ascii('sub')), rec(80, REGTEST), rec(82, tu(1000))];
    const recurring = lnr([...base, rec(1000000024, Uint8Array.of(0, 60))], payer);
    const e = await refusal(lns.call('sendinvoice', { invreq: recurring, label: 'r1' }));
    expect([e.code, e.message]).toEqual([-32602, 'FIXME: handle recurring invreq?']);
    const q = await refusal(lns.call('sendinvoice', { invreq: lnr([...base, rec(20, tu(2))], payer), label: 'q1' }));
    expect(q.code).toBe(-32602);
    expect(q.message).toMatch(/^invreq: Unexpected offer_quantity_max/);
    const s = await refusal(lns.call('sendinvoice', { invreq: lnr(base, payer, true), label: 's1' }));
    expect(s.message).toMatch(/^invreq: Invalid signature/);
    const o = await refusal(lns.call('sendinvoice', { invreq: lnr([...base, rec(22, NODE_ID)], payer), label: 'o1' }));
    expect(o.message).toMatch(/^invreq: This is based on an offer\?/);
    for (const amount_msat of [1001, 999]) {
      const a = await refusal(lns.call('sendinvoice', { invreq: lnr(base, payer), label: 'a1', amount_msat }));
      expect(a.code).toBe(-32602);
      expect(a.message).toMatch(/^amount_msat: must be invreq_amount \(1000msat\)/);
    }
    // None of them was stored.
    const list = (await lns.call('listinvoices', {})) as { invoices: { label: string }[] };
    expect(list.invoices.map((i) => i.label).filter((l) => ['r1', 'q1', 's1', 'o1', 'a1'].includes(l))).toEqual([]);
  }, 60_000);
});
