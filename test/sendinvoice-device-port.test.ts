// The merchant port for sendinvoice's invoices on the real device:
// SerialDeviceSigner over the emulator's PTY — invoiceIds(signed bare
// invoice_request + created_at + amount) → payment_hash, signInvoice →
// sign_invoice with the node key, releasePreimage → the no-offer preimage —
// and the device refusing, as DeviceRuleError naming the rule, a request
// carrying offer fields (rule 12) or a broken payer signature (rule 2).
// Checked against the independent @noble model of the device's keys
// (test/helpers/merchant.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import { SerialDeviceSigner } from '../host/daemon/serial-device.js';
import { DeviceRuleError } from '../host/merchant/device-port.js';
import { encodeTlvStream } from '../host/bolt12/tlv.js';
import { ascii, x } from './helpers/bytes.js';
import { tmp } from './helpers/device-requests.js';
import { HSM_SECRET, NODE_ID, buildInvoice, e0, invoiceRequest, pathIdOf, preimageNoOfferOf, rec, setRec, tu } from './helpers/merchant.js';

let emu: SpawnedEmulator;
let port: SerialDeviceSigner;
beforeAll(async () => {
  emu = await spawnEmulator(['--state', tmp(), '--hsm-secret', x(HSM_SECRET)]);
  port = await SerialDeviceSigner.open(emu.path);
});
afterAll(async () => {
  await port?.close();
  await emu?.stop();
});

const LNR_OFFER_PART = encodeTlvStream([rec(10, ascii('refund over the port'))]);
const AMOUNT = 42_000n;

describe('sendinvoice invoices on SerialDeviceSigner', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it('invoiceIds, signInvoice (node key) and releasePreimage for a bare invoice_request', async () => {
    const createdAt = now();
    const r = invoiceRequest(LNR_OFFER_PART, [rec(82, tu(AMOUNT))]);
    const ids = await port.invoiceIds(setRec(setRec(setRec(r.invreq, 240, r.signature), 164, tu(createdAt)), 170, tu(AMOUNT)));
    const hash = sha256(preimageNoOfferOf(r.root, createdAt, AMOUNT));
    expect(x(ids.paymentHash)).toBe(x(hash));
    expect(x(ids.pathId)).toBe(x(pathIdOf(hash)));
    const b = buildInvoice({ offer: LNR_OFFER_PART, invreqOwn: [rec(82, tu(AMOUNT))], amount: AMOUNT, createdAt, relativeExpiry: 90, paths: [{ nodes: [NODE_ID], e0: e0('port stub') }] });
    expect(x(b.paymentHash)).toBe(x(hash));
    const s = await port.signInvoice({ invreqSignature: b.invreqSignature, paths: b.proofs, invoice: b.invoice });
    expect(s.keyKind).toBe(P.SIGN_KEY_NODE);
    expect(x(s.publicKey)).toBe(x(NODE_ID));
    const preimage = await port.releasePreimage(AMOUNT, setRec(b.invoice, 240, s.signature));
    expect(x(preimage)).toBe(x(b.preimage));
  });

  it('refused by the device: offer fields in the request (rule 12), a broken payer signature (rule 2)', async () => {
    const withOffer = buildInvoice({
      offer: encodeTlvStream([rec(10, ascii('refund')), rec(12, Uint8Array.of(0))]), invreqOwn: [rec(82, tu(AMOUNT))], amount: AMOUNT, createdAt: now(),
      paths: [{ nodes: [NODE_ID], e0: e0('f') }],
    });
    const e = await port.signInvoice({ invreqSignature: withOffer.invreqSignature, paths: withOffer.proofs, invoice: withOffer.invoice }).catch((err) => err);
    expect(e).toBeInstanceOf(DeviceRuleError);
    expect([e.rule, e.type]).toEqual([P.INVOICE_RULE_NO_OFFER, 12]);
    expect(e.message).toMatch(/rule 12: the invoice_request has no offer .*\(offer_features\)/);
    const b = buildInvoice({ offer: LNR_OFFER_PART, invreqOwn: [rec(82, tu(AMOUNT))], amount: AMOUNT, createdAt: now(), paths: [{ nodes: [NODE_ID], e0: e0('g') }] });
    const broken = b.invreqSignature.slice();
    broken[63] ^= 0x80;
    const e2 = await port.signInvoice({ invreqSignature: broken, paths: b.proofs, invoice: b.invoice }).catch((err) => err);
    expect(e2).toBeInstanceOf(DeviceRuleError);
    expect([e2.rule, e2.type]).toEqual([P.INVOICE_RULE_INVREQ, 240]);
    // The untouched one signs.
    expect((await port.signInvoice({ invreqSignature: b.invreqSignature, paths: b.proofs, invoice: b.invoice })).keyKind).toBe(P.SIGN_KEY_NODE);
  });
});
