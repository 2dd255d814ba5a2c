// offer_create, payment_hash, sign_invoice and release_preimage over the PTY with the real
// serialport binding, against the emulator CLI and DeviceClient (the @noble
// re-checks of every reply included): one of each, plus a refusal that names
// its rule, after which the device keeps serving. In-process detail:
// test/device-merchant.test.ts.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { DeviceClient, InvoiceRuleError } from '../host/device-client/client.js';
import { encodeTlvStream } from '../host/bolt12/tlv.js';
import { ascii, x } from './helpers/bytes.js';
import { serialDevice } from './helpers/serial-device.js';
import {
  HSM_SECRET, NODE_ID, PEER, buildInvoice, e0, getRec, invoiceRequest, issuerId, offerMacRef, pathIdOf, rec, setRec, tu,
} from './helpers/merchant.js';

let c: DeviceClient;
serialDevice(HSM_SECRET, (client) => (c = client));

describe('merchant requests over the serial line', () => {
  let offer: Uint8Array;
  let signed: Uint8Array;
  let preimage: Uint8Array;
  const now = () => Math.floor(Date.now() / 1000);

  it('offer_create (device key): the issuer id derived from the nonce, the MAC as recomputed with @noble', async () => {
    expect((await c.getInfo()).nodeId).toBe(x(NODE_ID));
    const o = await c.offerCreate({ deviceKey: true, offerTlv: encodeTlvStream([rec(8, tu(21000)), rec(10, ascii('serial coffee'))]) }, NODE_ID);
    expect(x(o.issuerId)).toBe(x(issuerId(o.nonce)));
    expect(x(o.metadata.subarray(16))).toBe(x(offerMacRef(o.nonce, o.offerTlv)));
    offer = o.offerTlv;
  });

  it('payment_hash, then sign_invoice: a 2-hop payment path to our node, signed by the issuer key and verified by the client', async () => {
    const b = buildInvoice({ offer, amount: 21000n, createdAt: now(), paths: [{ nodes: [PEER, NODE_ID], e0: e0('serial') }] });
    // What the host asks before building the invoice: the hash and the final hop's path_id.
    const r = invoiceRequest(offer);
    const hashes = await c.paymentHash(setRec(r.invreq, 240, r.signature));
    expect(x(hashes.paymentHash)).toBe(x(b.paymentHash));
    expect(x(hashes.pathId)).toBe(x(pathIdOf(b.paymentHash)));
    const s = await c.signInvoice({ invreqSignature: b.invreqSignature, proofs: b.proofs, invoiceTlv: b.invoice });
    expect(s.keyKind).toBe('issuer');
    expect(x(s.publicKey)).toBe(x(getRec(offer, 22)!));
    signed = s.signedInvoice;
    preimage = b.preimage;
    // A host-chosen payment hash is refused with the rule named.
    const bad = buildInvoice({ offer, amount: 21000n, createdAt: now(), paymentHash: sha256(ascii('host')) });
    const e = await c.signInvoice({ invreqSignature: bad.invreqSignature, proofs: bad.proofs, invoiceTlv: bad.invoice }).catch((err) => err);
    expect(e).toBeInstanceOf(InvoiceRuleError);
    expect(e.status).toBe(P.ERR_INVOICE_RULE);
    expect(e.rule).toBe(P.INVOICE_RULE_PAYMENT_HASH);
    expect(e.message).toMatch(/rule 5: the payment hash is not the one the device derives \(invoice_payment_hash\)/);
  });

  it('release_preimage: the right amount gives the preimage; twice plus one is rule 10', async () => {
    expect(x(await c.releasePreimage({ amountMsat: 21000n, invoiceTlv: signed }))).toBe(x(preimage));
    const e = await c.releasePreimage({ amountMsat: 42001n, invoiceTlv: signed }).catch((err) => err);
    expect(e).toBeInstanceOf(InvoiceRuleError);
    expect(e.rule).toBe(P.INVOICE_RULE_RECEIVED);
    expect(await c.ping(Uint8Array.of(7))).toEqual(Uint8Array.of(7));
  });
});
