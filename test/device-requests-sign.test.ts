// sign_bolt12 over the PTY with the real serialport binding, against the
// emulator CLI: Core Lightning's signatures byte for byte, payer keys of every
// key case, and every refusal with its code — after each the device keeps
// serving. Rules: docs/protocol.md "sign_bolt12", CLN RPC digest §3.7, §4.3.
import { describe, expect, it } from 'vitest';
import * as P from '../shared/protocol.js';
import * as B from '../shared/bolt12-limits.js';
import type { DeviceClient } from '../host/device-client/client.js';
import { encodeSignBolt12, verifySignBolt12Reply, SignatureVerificationError } from '../host/device-client/requests.js';
import { merkleRoot } from '../host/bolt12/merkle.js';
import { loadFirmware } from '../host/firmware/load.js';
import { secp } from '../host/crypto/noble.js';
import { h, x, cat } from './helpers/bytes.js';
import {
  INVOICE, INVREQ, keyCases, payerKeyRef, refused, sv, streamOf, unsigned, withRecord,
} from './helpers/device-requests.js';
import { serialDevice } from './helpers/serial-device.js';

const L2 = keyCases.find((c) => c.nodeId === keyCases[1].nodeId)!; // lightning-2 (mnemonic file)

let c: DeviceClient;
serialDevice(L2.file, (client) => (c = client), 5000);

/** The device still answers, and still signs. */
async function stillServing() {
  expect(await c.ping(Uint8Array.of(1, 2, 3))).toEqual(Uint8Array.of(1, 2, 3));
  const s = await c.signBolt12('invoice_request', unsigned(INVREQ));
  expect(x(s.signature)).toBe(sv[0]['signature_hex (BIP340, aux_rand = 32 zero bytes)']);
}

const raw = (msg: string, field: string, tlv: Uint8Array) => c.transport.request(P.MSG_SIGN_BOLT12, encodeSignBolt12(msg, field, tlv));

describe('sign_bolt12: Core Lightning signatures byte for byte (lightning-2 from --hsm-secret)', () => {
  it('get_info reports the node id the emulator provisioned', async () => {
    const i = await c.getInfo();
    expect(i.provisioned).toBe(true);
    expect(i.nodeId).toBe(L2.nodeId);
    expect(i.network).toBe('bitcoin');
  });

  for (const v of sv.filter((v) => v.messagename === 'invoice_request')) {
    it(`${v.source}: merkle root and signature`, async () => {
      const kind = v.messagename as 'invoice_request';
      const signedStream = streamOf(v.bolt12);
      for (const tlv of [unsigned(signedStream), signedStream]) {
        // With or without the signature record in the stream: same root, same signature.
        const s = await c.signBolt12(kind, tlv);
        expect(x(s.merkleRoot)).toBe(v.merkle_root_hex);
        expect(x(s.signature)).toBe(v['signature_hex (BIP340, aux_rand = 32 zero bytes)']);
        expect(s.keyKind).toBe('node');
        expect(x(s.publicKey)).toBe(L2.nodeId);
      }
    });
  }
});

describe('sign_bolt12: the CLN invoice vectors (invoices are signed only by sign_invoice since issue 11)', () => {
  const fw = loadFirmware();
  const E = fw.exports;
  for (const v of sv.filter((v) => v.messagename === 'invoice')) {
    it(`${v.source}: the device's root and sighash exports match, the vector signature verifies under them; sign_bolt12 refuses it`, async () => {
      const tlv = unsigned(streamOf(v.bolt12));
      fw.write(fw.io, tlv);
      expect(E.bolt12_merkle_root(fw.io, tlv.length, fw.io + 8192)).toBe(B.BOLT12_OK);
      expect(x(fw.read(fw.io + 8192, 32))).toBe(v.merkle_root_hex);
      expect(E.bolt12_sighash(B.BOLT12_KIND_INVOICE, fw.io, tlv.length, fw.io + 8192)).toBe(B.BOLT12_OK);
      const sighash = fw.read(fw.io + 8192, 32);
      const sig = h(v['signature_hex (BIP340, aux_rand = 32 zero bytes)']);
      expect(secp.schnorr.verify(sig, sighash, h(L2.nodeId).subarray(1))).toBe(true);
      // The old generic path is closed: a host cannot have any invoice signed as the node.
      await refused(raw('invoice', 'signature', tlv), P.ERR_SIGN_NAME, 1);
    });
  }
});

describe('sign_bolt12: payer keys derived from invreq_metadata (CLN digest §4.3)', () => {
  const metas = [h('c15842a4877db5b1c15842a4877db5b1'), h('00'), new Uint8Array(32).fill(0xab), new Uint8Array(200).fill(7)];
  for (const m of metas) {
    it(`metadata of ${m.length} bytes: signed with node key + SHA256(alias base ‖ metadata)`, async () => {
      const ref = payerKeyRef(L2.secretData, L2.nodePriv, m);
      const tlv = withRecord(withRecord(unsigned(INVREQ), 0n, m), 88n, h(ref.id));
      const s = await c.signBolt12('invoice_request', tlv);
      expect(s.keyKind).toBe('payer');
      expect(x(s.publicKey)).toBe(ref.id);
      expect(x(s.merkleRoot)).toBe(x(merkleRoot(tlv)));
    });
  }
});

describe('sign_bolt12 refusals (the device keeps serving after each)', () => {
  // Rule: only "invoice_request" and "signature" are signed (invoices: sign_invoice).
  it('unknown message name, or "invoice": ERR_SIGN_NAME detail 1', async () => {
    for (const m of ['offer', 'invoice_error', 'invoice_requestx', 'Invoice', '', 'invoice']) {
      await refused(raw(m, 'signature', unsigned(INVREQ)), P.ERR_SIGN_NAME, 1);
    }
    await stillServing();
  });

  it('unknown field name: ERR_SIGN_NAME detail 2', async () => {
    for (const f of ['payer_signature', 'signatur', 'signaturex', '']) {
      await refused(raw('invoice_request', f, unsigned(INVREQ)), P.ERR_SIGN_NAME, 2);
    }
    await stillServing();
  });

  // Rule: name lengths must fit the payload.
  it('payload too short for its name lengths: ERR_BAD_PAYLOAD', async () => {
    await refused(c.transport.request(P.MSG_SIGN_BOLT12, new Uint8Array(0)), P.ERR_BAD_PAYLOAD);
    await refused(c.transport.request(P.MSG_SIGN_BOLT12, Uint8Array.of(15, 0x69)), P.ERR_BAD_PAYLOAD);
    await refused(c.transport.request(P.MSG_SIGN_BOLT12, Uint8Array.of(0, 9, 0x73)), P.ERR_BAD_PAYLOAD);
    await stillServing();
  });

  // Rule: the whole stream is strictly framed and in the message's ranges
  // (detail = BOLT12 status | record offset << 8).
  it('malformed streams: ERR_SIGN_STREAM with the status and the offending record offset', async () => {
    const good = unsigned(INVREQ);
    const cases: [string, Uint8Array, number, number][] = [
      ['value cut short', good.subarray(0, good.length - 1), B.BOLT12_ERR_VALUE_TRUNCATED, -1],
      ['duplicate type', cat(good, Uint8Array.of(88, 0)), B.BOLT12_ERR_TYPE_ORDER, good.length],
      ['type out of order', cat(Uint8Array.of(10, 0), good), B.BOLT12_ERR_TYPE_ORDER, 2],
      ['non-minimal type', cat(good, Uint8Array.of(0xfd, 0x00, 0xfc, 0)), B.BOLT12_ERR_TYPE_NOT_MINIMAL, good.length],
      ['length missing', cat(good, Uint8Array.of(0xfb)), B.BOLT12_ERR_LENGTH_TRUNCATED, good.length],
      ['invoice field 160 in an invoice_request', cat(good, Uint8Array.of(160, 0)), B.BOLT12_ERR_TYPE_RANGE, good.length],
      ['only a signature record', Uint8Array.of(0xf0, 0), B.BOLT12_ERR_NO_RECORDS, -2],
      ['empty stream', new Uint8Array(0), B.BOLT12_ERR_NO_RECORDS, -2],
    ];
    for (const [name, tlv, status, at] of cases) {
      const e = await refused(raw('invoice_request', 'signature', tlv), P.ERR_SIGN_STREAM);
      expect(e.detail & 0xff, name).toBe(status);
      if (at >= 0) expect(e.detail >>> 8, name).toBe(at);
    }
    await stillServing();
  });

  it('stream over 8192 bytes: ERR_SIGN_STREAM detail BOLT12_ERR_TOO_LONG', async () => {
    // Record of type 1000000001 (5-byte type) with a 3-byte length: 8 bytes of framing.
    const pad = new Uint8Array(8193 - unsigned(INVREQ).length - 8);
    const tlv = withRecord(unsigned(INVREQ), 1000000001n, pad);
    expect(tlv.length).toBe(8193);
    await refused(raw('invoice_request', 'signature', tlv), P.ERR_SIGN_STREAM, B.BOLT12_ERR_TOO_LONG);
    // 8192 exactly is signed.
    const ok = withRecord(unsigned(INVREQ), 1000000001n, pad.subarray(1));
    expect(ok.length).toBe(8192);
    const s = await c.signBolt12('invoice_request', ok);
    expect(s.keyKind).toBe('node');
    await stillServing();
  });

  // Rule: invreq_payer_id must be the node id or the payer key of invreq_metadata.
  it('invreq whose invreq_payer_id is not the derived payer key: ERR_SIGN_KEY detail 88', async () => {
    const m = h('c15842a4877db5b1c15842a4877db5b1');
    const other = payerKeyRef(L2.secretData, L2.nodePriv, h('c15842a4877db5b1c15842a4877db5b2'));
    await refused(raw('invoice_request', 'signature', withRecord(withRecord(unsigned(INVREQ), 0n, m), 88n, h(other.id))), P.ERR_SIGN_KEY, 88);
    // Another node's id (lightning-1) as payer id.
    await refused(raw('invoice_request', 'signature', withRecord(unsigned(INVREQ), 88n, h(keyCases[0].nodeId))), P.ERR_SIGN_KEY, 88);
    await stillServing();
  });

  // Rule: the fields the key choice reads are present and well formed.
  it('invreq without invreq_metadata / invreq_payer_id, or a payer id of the wrong size: ERR_SIGN_FIELD', async () => {
    await refused(raw('invoice_request', 'signature', withRecord(unsigned(INVREQ), 0n, null)), P.ERR_SIGN_FIELD, 0);
    await refused(raw('invoice_request', 'signature', withRecord(unsigned(INVREQ), 0n, new Uint8Array(0))), P.ERR_SIGN_FIELD, 0);
    await refused(raw('invoice_request', 'signature', withRecord(unsigned(INVREQ), 88n, null)), P.ERR_SIGN_FIELD, 88);
    await refused(raw('invoice_request', 'signature', withRecord(unsigned(INVREQ), 88n, h(L2.nodeId).subarray(1))), P.ERR_SIGN_FIELD, 88);
    await stillServing();
  });

  // Issue 11: an invoice is never signed by sign_invoice's generic predecessor,
  // whatever its invoice_node_id (the review got {168, 176} signed as the node).
  it('any invoice, even one naming the node id: ERR_SIGN_NAME detail 1', async () => {
    await refused(raw('invoice', 'signature', unsigned(INVOICE)), P.ERR_SIGN_NAME, 1);
    await refused(raw('invoice', 'signature', cat(Uint8Array.of(0xa8, 32), new Uint8Array(32), Uint8Array.of(0xb0, 33), h(L2.nodeId))), P.ERR_SIGN_NAME, 1);
    await refused(raw('invoice', 'signature', withRecord(unsigned(INVOICE), 176n, h(keyCases[0].nodeId))), P.ERR_SIGN_NAME, 1);
    // An invoice stream offered as an invoice_request breaks the invreq ranges.
    await refused(raw('invoice_request', 'signature', unsigned(INVOICE)), P.ERR_SIGN_STREAM);
    await stillServing();
  });

  it('random payloads never stop the device (it answers each with a reply or an error)', async () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
    for (let i = 0; i < 60; i++) {
      const base = i % 2 ? unsigned(INVREQ) : unsigned(INVOICE);
      const tlv = base.slice();
      for (let k = 0; k < 1 + (rnd() % 4); k++) tlv[rnd() % tlv.length] ^= 1 << (rnd() % 8);
      const r = await raw(i % 2 ? 'invoice_request' : 'invoice', 'signature', tlv).then(() => 'signed', (e) => e);
      if (r !== 'signed') expect(r.constructor.name).toBe('DeviceError');
    }
    await stillServing();
  });
});

describe('host verification of the device reply (before anything is returned)', () => {
  it('a reply whose signature, root or key is altered is a SignatureVerificationError', async () => {
    const tlv = unsigned(INVREQ);
    const reply = await raw('invoice_request', 'signature', tlv);
    expect(verifySignBolt12Reply('invoice_request', tlv, reply).keyKind).toBe('node');
    for (const at of [P.SIGN_REPLY_OFF_SIG + 5, P.SIGN_REPLY_OFF_SIG + 40, P.SIGN_REPLY_OFF_ROOT, P.SIGN_REPLY_OFF_KEY + 10]) {
      const bad = reply.slice();
      bad[at] ^= 1;
      expect(() => verifySignBolt12Reply('invoice_request', tlv, bad)).toThrow(SignatureVerificationError);
    }
    // A valid signature over another stream is not accepted for this one.
    const other = withRecord(tlv, 89n, h('6869'));
    expect(() => verifySignBolt12Reply('invoice_request', other, reply)).toThrow(SignatureVerificationError);
    expect(() => verifySignBolt12Reply('invoice_request', tlv, reply.subarray(0, 129))).toThrow(SignatureVerificationError);
  });
});
