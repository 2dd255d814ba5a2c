// The merchant port (host/merchant/device-port.ts) on the real device:
// SerialDeviceSigner over the emulator's PTY — offerCreate → offer_create,
// invoiceIds(signed invoice_request) → payment_hash, signInvoice →
// sign_invoice, releasePreimage → release_preimage — and the device's
// ERR_INVOICE_RULE refusals as DeviceRuleError with the rule, the type and
// the client's sentence. Checked against the independent @noble model of the
// device's keys (test/helpers/merchant.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import { SerialDeviceSigner } from '../host/daemon/serial-device.js';
import { DeviceRuleError } from '../host/merchant/device-port.js';
import { encodeTlvStream } from '../host/bolt12/tlv.js';
import { ascii, x } from './helpers/bytes.js';
import { tmp } from './helpers/device-requests.js';
import { HSM_SECRET, NODE_ID, PEER, buildInvoice, e0, getRec, invoiceRequest, issuerId, pathIdOf, rec, setRec, tu } from './helpers/merchant.js';

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

describe('the merchant port on SerialDeviceSigner', () => {
  const now = () => Math.floor(Date.now() / 1000);
  let offer: Uint8Array;
  let signed: Uint8Array;
  let preimage: Uint8Array;

  it('offerCreate: flag bit 0 = device key (issuer from the nonce); 0 = the node id', async () => {
    expect(x((await port.getInfo()).nodeId)).toBe(x(NODE_ID));
    offer = await port.offerCreate(P.OFFER_FLAG_DEVICE_KEY, encodeTlvStream([rec(8, tu(21000)), rec(10, ascii('port coffee'))]));
    expect(x(getRec(offer, 22)!)).toBe(x(issuerId(getRec(offer, 4)!.subarray(0, 16))));
    const node = await port.offerCreate(0, encodeTlvStream([rec(10, ascii('node coffee'))]));
    expect(x(getRec(node, 22)!)).toBe(x(NODE_ID));
  });

  it('invoiceIds takes the signed invoice_request; signInvoice signs with the issuer key (kind 2)', async () => {
    const b = buildInvoice({ offer, amount: 21000n, createdAt: now(), paths: [{ nodes: [PEER, NODE_ID], e0: e0('port') }] });
    const r = invoiceRequest(offer);
    const ids = await port.invoiceIds(setRec(r.invreq, 240, r.signature));
    expect(x(ids.paymentHash)).toBe(x(b.paymentHash));
    expect(x(ids.pathId)).toBe(x(pathIdOf(b.paymentHash)));
    const s = await port.signInvoice({ invreqSignature: b.invreqSignature, paths: b.proofs, invoice: b.invoice });
    expect(s.keyKind).toBe(P.SIGN_KEY_ISSUER);
    expect(x(s.publicKey)).toBe(x(getRec(offer, 22)!));
    signed = setRec(b.invoice, 240, s.signature);
    preimage = b.preimage;
  });

  it('refusals are DeviceRuleError with the rule, the type and the sentence', async () => {
    const bad = buildInvoice({ offer, amount: 21000n, createdAt: now(), paymentHash: sha256(ascii('host')) });
    const e = await port.signInvoice({ invreqSignature: bad.invreqSignature, paths: bad.proofs, invoice: bad.invoice }).catch((err) => err);
    expect(e).toBeInstanceOf(DeviceRuleError);
    expect(e.rule).toBe(P.INVOICE_RULE_PAYMENT_HASH);
    expect(e.message).toBe('device refused: rule 5: the payment hash is not the one the device derives (invoice_payment_hash)');
    // a request whose payer signature does not verify: payment_hash refuses it (rule 2)
    const r = invoiceRequest(offer);
    const forged = new Uint8Array(r.signature);
    forged[5] ^= 1;
    const e2 = await port.invoiceIds(setRec(r.invreq, 240, forged)).catch((err) => err);
    expect(e2).toBeInstanceOf(DeviceRuleError);
    expect(e2.rule).toBe(P.INVOICE_RULE_INVREQ);
  });

  it('releasePreimage: the preimage for the right amount; twice plus one is rule 10', async () => {
    expect(x(await port.releasePreimage(21000n, signed))).toBe(x(preimage));
    const e = await port.releasePreimage(42001n, signed).catch((err) => err);
    expect(e).toBeInstanceOf(DeviceRuleError);
    expect(e.rule).toBe(P.INVOICE_RULE_RECEIVED);
    expect(e.message).toMatch(/^device refused: rule 10: /);
  });
});
