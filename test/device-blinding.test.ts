// Route blinding, onion messages and payments into blinded paths on the
// firmware, over the in-process chip (test/helpers/chip.ts): the BOLT 4
// vectors route-blinding-test.json, blinded-onion-message-onion-test.json and
// blinded-payment-onion-test.json byte for byte (their keys supplied), device
// paths of 1-10 hops read hop by hop by an independent @noble reader, onion
// messages (1366 and 32834 bytes) peeled to the end, blinded payment payload
// shapes, refusals with their details, ChaCha20-Poly1305 against @noble, and
// random requests that never trap. Rules: BOLT 4 (digest §4.7, §4.10; CLN
// digest §6).
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { loadFirmware } from '../host/firmware/load.js';
import { encodeBuildOnion, encodeProvision, encodeSetPolicy, decodePolicy } from '../host/device-client/requests.js';
import {
  encodeBlindedPathRequest, encodeOnionMessageRead, encodeOnionMessageRequest,
  type OnionMessageRequest,
} from '../host/device-client/blinding-requests.js';
import { peel, peelOnion } from '../host/onion/sphinx.js';
import { secp } from '../host/crypto/noble.js';
import { chipCall, onionMessageOf, powerUp, refusalOf as refusal, type Chip } from './helpers/chip.js';
import { ascii, cat, h, vector, x } from './helpers/bytes.js';
import { bigsize, rec, tlvRecords, tu } from './helpers/bytes.js';
// The independent reader the device is checked against: host/blinding on @noble.
import { blindingKeys, nextPathKey, openRecipientData, unblindHop } from '../host/blinding/index.js';
import { decodeBlindedPath } from '../host/blinding/path.js';
import type { BlindedPath } from '../host/bolt12/subtypes.js';

/** The Sphinx key of a blinded hop, from its node secret and the path key alone. */
const blindedSecretOf = (nodeSecret: Uint8Array, pathKey: Uint8Array) => blindingKeys(nodeSecret, pathKey).blindedSecret;
/** The first_node_id of a path the device built (always the point form). */
const firstId = (p: BlindedPath): Uint8Array => {
  if (!('pubkey' in p.firstNodeId)) throw new Error('first_node_id in the scid form');
  return p.firstNodeId.pubkey;
};
const RB = vector('route-blinding-test.json');
const OM = vector('blinded-onion-message-onion-test.json');
const BP = vector('blinded-payment-onion-test.json');

let chip: Chip;
let nodeId: Uint8Array;
const call = (type: number, payload: Uint8Array): Uint8Array => chipCall(chip, type, payload);

/** onion_message, then onion_message_read for the rest of a large packet. */
const onionMessage = (req: OnionMessageRequest) => onionMessageOf(call, req);

beforeAll(() => {
  chip = powerUp(new MemoryFlash());
  nodeId = call(P.MSG_PROVISION, encodeProvision({ hsmSecret: sha256(ascii('blinding chip')) })).slice(0, 33);
});

const nodes = Array.from({ length: 40 }, (_, i) => {
  const sk = sha256(ascii(`blinding node ${i}`));
  return { sk, pub: secp.getPublicKey(sk, true) };
});

describe('request classes', () => {
  it('blinded_path and onion_message need a provisioned device; onion_message_read does not (nothing built yet)', () => {
    const fresh = powerUp(new MemoryFlash());
    const code = (f: { type: number; payload: Uint8Array }) => (f.type === P.MSG_ERROR ? f.payload[P.ERROR_OFF_CODE] : -1);
    expect(code(fresh.request(P.MSG_BLINDED_PATH, encodeBlindedPathRequest({ hops: [{ nodeId: nodes[0].pub, tlv: rec(6, h('01')) }] })))).toBe(P.ERR_NOT_PROVISIONED);
    expect(code(fresh.request(P.MSG_ONION_MESSAGE, new Uint8Array(80)))).toBe(P.ERR_NOT_PROVISIONED);
    const r = fresh.request(P.MSG_ONION_MESSAGE_READ, encodeOnionMessageRead(0));
    expect(code(r)).toBe(P.ERR_ONION_READ);
    expect(new DataView(r.payload.buffer, r.payload.byteOffset).getUint32(P.ERROR_OFF_DETAIL, true)).toBe(0);
    expect(P.requestFlags(P.MSG_ONION_MESSAGE_READ) & P.REQ_IDEMPOTENT).toBeTruthy();
  });
});

describe('ChaCha20-Poly1305 (chip interface) against @noble/ciphers', () => {
  const fw = loadFirmware();
  const E = fw.exports;
  it('seal equals @noble, open recovers the plaintext, any flipped bit is refused', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 300 }), fc.nat(),
      (key, nonce, aad, pt, flip) => {
        const io = fw.io;
        const pk = io, pn = io + 32, pa = io + 64, pp = io + 128, po = io + 512, pd = io + 1024;
        fw.write(pk, key); fw.write(pn, nonce); fw.write(pa, aad); fw.write(pp, pt);
        expect(E.crypto_chacha20poly1305_seal(pk, pn, pa, aad.length, pp, pt.length, po)).toBe(0);
        const ct = fw.read(po, pt.length + 16);
        expect(x(ct)).toBe(x(chacha20poly1305(key, nonce, aad).encrypt(pt)));
        expect(E.crypto_chacha20poly1305_open(pk, pn, pa, aad.length, po, ct.length, pd)).toBe(1);
        expect(x(fw.read(pd, pt.length))).toBe(x(pt));
        const bad = ct.slice();
        bad[flip % bad.length] ^= 1 << (flip % 8);
        fw.write(po, bad);
        expect(E.crypto_chacha20poly1305_open(pk, pn, pa, aad.length, po, bad.length, pd)).toBe(0);
      }), { numRuns: 60 });
  });
  it('the self-test includes the RFC 8439 AEAD known answers (codes 33-35)', () => {
    expect(E.selftest()).toBe(0);
  });
});

describe('blinded_path: route-blinding-test.json byte for byte', () => {
  const hops = RB.generate.hops;
  it('Bob -> Carol (path secret 0x02) and Dave -> Eve (0x01): path keys, blinded ids, encrypted data', () => {
    for (const [from, to, secret] of [[0, 2, hops[0].session_key], [2, 4, hops[2].session_key]] as const) {
      const part = hops.slice(from, to);
      const reply = call(P.MSG_BLINDED_PATH, encodeBlindedPathRequest({
        pathSecret: h(secret), hops: part.map((hp: any) => ({ nodeId: h(hp.node_id), tlv: h(hp.encoded_tlvs) })),
      }));
      const path = decodeBlindedPath(reply);
      expect(x(firstId(path))).toBe(part[0].node_id);
      expect(x(path.firstPathKey)).toBe(part[0].path_key);
      expect(path.hops.map((hp) => x(hp.blindedNodeId))).toEqual(part.map((hp: any) => hp.blinded_node_id));
      expect(path.hops.map((hp) => x(hp.encryptedRecipientData))).toEqual(part.map((hp: any) => hp.encrypted_data));
    }
    expect(RB.route.first_path_key).toBe(hops[0].path_key);
  });
  it('the unblind section reads the device-built data (decrypted_data, next path keys)', () => {
    let pathKey = h(RB.route.first_path_key);
    RB.unblind.hops.forEach((u: any, i: number) => {
      expect(x(pathKey)).toBe(u.path_key);
      const k = blindingKeys(h(u.node_privkey), pathKey);
      expect(x(openRecipientData(k.rho, h(RB.route.hops[i].encrypted_data))!)).toBe(u.decrypted_data);
      expect(x(k.blindedSecret)).toBe(u.blinded_privkey);
      // The vector's next_path_key is the computed one; the override replaces it.
      const computed = nextPathKey(pathKey, k.sharedSecret);
      expect(x(computed)).toBe(u.next_path_key);
      pathKey = u.next_path_key_override ? h(u.next_path_key_override) : computed;
    });
  });
});

// encrypted_data_tlv from the structured fields of blinded-payment-onion-test.json.
function scid(s: string): Uint8Array {
  const [b, t, o] = s.split('x').map(Number);
  const v = new Uint8Array(8);
  v[0] = b >> 16; v[1] = b >> 8; v[2] = b; v[3] = t >> 16; v[4] = t >> 8; v[5] = t; v[6] = o >> 8; v[7] = o;
  return v;
}
function encodeDataTlv(t: any): Uint8Array {
  const parts: Uint8Array[] = [];
  if (t.padding !== undefined) parts.push(rec(1, h(t.padding)));
  if (t.short_channel_id) parts.push(rec(2, scid(t.short_channel_id)));
  if (t.next_node_id) parts.push(rec(4, h(t.next_node_id)));
  if (t.path_id) parts.push(rec(6, h(t.path_id)));
  if (t.next_path_key_override) parts.push(rec(8, h(t.next_path_key_override)));
  if (t.payment_relay) {
    const r = t.payment_relay;
    const v = new Uint8Array(6);
    new DataView(v.buffer).setUint16(0, r.cltv_expiry_delta);
    new DataView(v.buffer).setUint32(2, r.fee_proportional_millionths ?? 0);
    parts.push(rec(10, cat(v, tu(r.fee_base_msat ?? 0))));
  }
  if (t.payment_constraints) {
    const v = new Uint8Array(4);
    new DataView(v.buffer).setUint32(0, t.payment_constraints.max_cltv_expiry);
    parts.push(rec(12, cat(v, tu(t.payment_constraints.htlc_minimum_msat))));
  }
  if (t.allowed_features) parts.push(rec(14, new Uint8Array(0)));
  return cat(...parts);
}

describe('blinded-payment-onion-test.json byte for byte', () => {
  const route = BP.generate.full_route.hops;
  const unprefixed = (s: string) => { const b = h(s); return b.subarray(b[0] < 0xfd ? 1 : 3); };
  it('the blinded route (Bob -> Carol with 0x02, Dave -> Eve with 0x01) from its encrypted_data_tlv fields', () => {
    const br = BP.generate.blinded_route;
    const tlvs = route.slice(1).map((hp: any) => encodeDataTlv(hp.tlvs.encrypted_recipient_data));
    const ids = [RB.generate.hops[0].node_id, RB.generate.hops[1].node_id, RB.generate.hops[2].node_id, RB.generate.hops[3].node_id];
    const a = decodeBlindedPath(call(P.MSG_BLINDED_PATH, encodeBlindedPathRequest({
      pathSecret: new Uint8Array(32).fill(2), hops: [0, 1].map((i) => ({ nodeId: h(ids[i]), tlv: tlvs[i] })),
    })));
    const b = decodeBlindedPath(call(P.MSG_BLINDED_PATH, encodeBlindedPathRequest({
      pathSecret: new Uint8Array(32).fill(1), hops: [2, 3].map((i) => ({ nodeId: h(ids[i]), tlv: tlvs[i] })),
    })));
    expect(x(firstId(a))).toBe(br.first_node_id);
    expect(x(a.firstPathKey)).toBe(br.first_path_key);
    expect([...a.hops, ...b.hops].map((hp) => x(hp.blindedNodeId))).toEqual(br.hops.map((hp: any) => hp.blinded_node_id));
    expect([...a.hops, ...b.hops].map((hp) => x(hp.encryptedRecipientData))).toEqual(br.hops.map((hp: any) => hp.encrypted_data));
  });
  it('build_onion: one clear hop then 4 blinded hops, session key 0x03: the onion; the policy counts the payment', () => {
    const before = decodePolicy(call(P.MSG_GET_POLICY, new Uint8Array(0)));
    const req = {
      hops: route.map((hp: any) => ({ pubkey: h(hp.pubkey), payload: unprefixed(hp.payload) })),
      paymentHash: h(BP.generate.associated_data), firstHopAmountMsat: 110125n, sessionKey: h(BP.generate.session_key),
    };
    const reply = call(P.MSG_BUILD_ONION, encodeBuildOnion(req));
    expect(x(reply.subarray(0, P.ONION_PACKET_SIZE))).toBe(BP.generate.onion);
    expect(x(reply.subarray(0, P.ONION_PACKET_SIZE))).toBe(BP.decrypt.hops[0].onion);
    const after = decodePolicy(call(P.MSG_GET_POLICY, new Uint8Array(0)));
    expect(after.spentLast24hMsat - before.spentLast24hMsat).toBe(110125n);
    // fee = first-hop amount - final amt_to_forward = 10125 msat: a lower limit refuses it.
    const hash2 = sha256(ascii('blinded fee'));
    call(P.MSG_SET_POLICY, encodeSetPolicy({ maxAmountMsat: null, maxFeeMsat: 10124n, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null }));
    const e = refusal(() => call(P.MSG_BUILD_ONION, encodeBuildOnion({ ...req, paymentHash: hash2 })));
    expect([e.code, e.detail]).toEqual([P.ERR_POLICY, P.POLICY_LIMIT_MAX_FEE_ABS]);
    // The declared total (total_amount_msat 150000) counts against max_amount.
    call(P.MSG_SET_POLICY, encodeSetPolicy({ maxAmountMsat: 149999n, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null }));
    const e2 = refusal(() => call(P.MSG_BUILD_ONION, encodeBuildOnion({ ...req, paymentHash: hash2 })));
    expect([e2.code, e2.detail]).toEqual([P.ERR_POLICY, P.POLICY_LIMIT_MAX_AMOUNT]);
    call(P.MSG_SET_POLICY, encodeSetPolicy({ maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null }));
  });
  it('payload shapes: the final blinded hop needs all three amounts, inner hops none, the intro current_path_key (ERR_ONION_AMOUNT 5 | hop << 8)', () => {
    const base = route.map((hp: any) => ({ pubkey: h(hp.pubkey), payload: unprefixed(hp.payload) }));
    const recs = (i: number) => tlvRecords(base[i].payload);
    const withRecs = (i: number, rs: { type: bigint; value: Uint8Array }[]) => {
      const hops = base.map((hp: any) => ({ ...hp }));
      hops[i] = { ...hops[i], payload: cat(...rs.map((r) => rec(r.type, r.value))) };
      return encodeBuildOnion({ hops, paymentHash: sha256(ascii('shapes')), firstHopAmountMsat: 110125n });
    };
    const shape = (payload: Uint8Array, hop: number) => {
      const e = refusal(() => call(P.MSG_BUILD_ONION, payload));
      expect([e.code, e.detail]).toEqual([P.ERR_ONION_AMOUNT, P.ONION_AMT_BLINDED | (hop << 8)]);
    };
    shape(withRecs(4, recs(4).filter((r) => r.type !== 18n)), 4); // no total_amount_msat
    shape(withRecs(4, recs(4).filter((r) => r.type !== 4n)), 4); // no outgoing_cltv_value
    shape(withRecs(2, [{ type: 2n, value: tu(100000) }, ...recs(2)]), 2); // inner hop with an amount
    shape(withRecs(1, recs(1).filter((r) => r.type !== 12n)), 1); // intro without current_path_key
    shape(withRecs(2, [...recs(2), { type: 12n, value: h(BP.generate.blinded_route.first_path_key) }]), 2); // key past the intro
    shape(withRecs(3, [{ type: 2n, value: tu(100000) }, { type: 4n, value: tu(749000) }]), 3); // clear hop after a blinded one
    shape(withRecs(2, [...recs(2), { type: 16n, value: h('00') }]), 2); // anything else inside the path
  });
});

describe('payments into device-built blinded paths of 1-4 hops behind 0-3 clear hops', () => {
  it('build_onion accepts the BOLT 4 shapes; every hop peels its layer and reads its own data; the policy counts the part', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 15 }), fc.bigInt({ min: 1000n, max: 10_000_000n }),
      (c, b, start, delivered) => {
        const clear = Array.from({ length: c }, (_, i) => nodes[start + i]);
        const blindedNodes = Array.from({ length: b }, (_, i) => nodes[20 + start + i]);
        // Recipient's path: payment_relay + payment_constraints on non-final hops, path_id at the end.
        const relay = cat(h('0028'), h('00000064'), tu(1000));
        const tlvs = blindedNodes.map((_, i) => (i < b - 1
          ? cat(rec(4, blindedNodes[i + 1].pub), rec(10, relay), rec(12, cat(h('000c3500'), tu(1))))
          : cat(rec(6, sha256(Uint8Array.of(start))), rec(12, cat(h('000c3500'), tu(1))))));
        const path = decodeBlindedPath(call(P.MSG_BLINDED_PATH, encodeBlindedPathRequest({ pad: true, hops: blindedNodes.map((nd, i) => ({ nodeId: nd.pub, tlv: tlvs[i] })) })));
        const fee = 1000n;
        const hops: { pubkey: Uint8Array; payload: Uint8Array }[] = clear.map((nd, i) => ({
          pubkey: nd.pub,
          payload: cat(rec(2, tu(delivered + fee * BigInt(c + b - 1 - i))), rec(4, tu(800_000 + 40 * (c - i))), rec(6, Uint8Array.of(0, 0, 1, 0, 0, 1, 0, i))),
        }));
        path.hops.forEach((hp, i) => {
          const recs: Uint8Array[] = [];
          if (i === b - 1) recs.push(rec(2, tu(delivered)), rec(4, tu(800_000)));
          recs.push(rec(10, hp.encryptedRecipientData));
          if (i === 0) recs.push(rec(12, path.firstPathKey));
          if (i === b - 1) recs.push(rec(18, tu(delivered)));
          // BOLT 4: the introduction node is reached by its real node id, later hops by their blinded ids.
          hops.push({ pubkey: i === 0 ? firstId(path) : hp.blindedNodeId, payload: cat(...recs) });
        });
        const hash = sha256(cat(Uint8Array.of(c, b, start), tu(delivered)));
        const first = delivered + fee * BigInt(c + b - 1);
        const before = decodePolicy(call(P.MSG_GET_POLICY, new Uint8Array(0)));
        const reply = call(P.MSG_BUILD_ONION, encodeBuildOnion({ hops, paymentHash: hash, firstHopAmountMsat: first }));
        const after = decodePolicy(call(P.MSG_GET_POLICY, new Uint8Array(0)));
        expect(after.spentLast24hMsat - before.spentLast24hMsat).toBe(first);
        let onion = reply.subarray(0, P.ONION_PACKET_SIZE);
        for (let i = 0; i < c; i++) {
          const pl = peelOnion(onion, clear[i].sk, hash);
          expect(x(pl.payload)).toBe(x(hops[i].payload));
          onion = pl.next!;
        }
        let pathKey: Uint8Array | null = null;
        for (let i = 0; i < b; i++) {
          const priv = i === 0 ? blindedNodes[0].sk : blindedSecretOf(blindedNodes[i].sk, pathKey!);
          const pl = peelOnion(onion, priv, hash);
          expect(x(pl.payload)).toBe(x(hops[c + i].payload));
          const recs = tlvRecords(pl.payload);
          if (i === 0) pathKey = recs.find((r) => r.type === 12n)!.value;
          const u = unblindHop(blindedNodes[i].sk, pathKey!, recs.find((r) => r.type === 10n)!.value);
          const pt = tlvRecords(u.plaintext).filter((r) => r.type !== 1n);
          expect(x(cat(...pt.map((r) => rec(r.type, r.value))))).toBe(x(tlvs[i]));
          pathKey = u.nextPathKey;
          if (i < b - 1) onion = pl.next!;
          else expect(pl.next).toBeNull();
        }
      }), { numRuns: 15 });
  });
});

describe('onion_message: blinded-onion-message-onion-test.json byte for byte', () => {
  const g = OM.generate.hops;
  const theirPath = (): BlindedPath => ({
    firstNodeId: { pubkey: h(RB.generate.hops[0].node_id) }, // Bob, Dave's introduction node
    firstPathKey: h(g[1].E),
    hops: OM.route.hops.slice(1).map((hp: any) => ({ blindedNodeId: h(hp.blinded_node_id), encryptedRecipientData: h(hp.encrypted_recipient_data) })),
  });
  it('Alice (us) -> Bob -> Carol -> Dave: the 1366-byte packet and the path key', () => {
    const r = onionMessage({
      ourRoute: [h(OM.route.first_node_id)], path: theirPath(), finalPayload: h('010568656c6c6f'),
      keys: { sessionKey: h(OM.generate.session_key), pathSecret: h(g[0].path_key_secret) },
    });
    expect(r.packet.length).toBe(1366);
    expect(x(r.pathKey)).toBe(OM.route.first_path_key);
    expect(x(r.packet)).toBe(OM.onionmessage.onion_message_packet);
    // onion_message (type 513) = path_key ‖ u16 len ‖ packet, as the decrypt section shows.
    expect(x(cat(h('0201'), r.pathKey, h('0556'), r.packet))).toBe(OM.decrypt.hops[0].onion_message);
  });
  it('every hop of the vector peels it: next node ids, and Dave reads "hello" plus his encrypted data', () => {
    const r = onionMessage({
      ourRoute: [h(OM.route.first_node_id)], path: theirPath(), finalPayload: h('010568656c6c6f'),
      keys: { sessionKey: h(OM.generate.session_key), pathSecret: h(g[0].path_key_secret) },
    });
    let packet = r.packet, pathKey = r.pathKey;
    OM.decrypt.hops.forEach((d: any, i: number) => {
      const enc = OM.route.hops[i].encrypted_recipient_data;
      const u = unblindHop(h(d.privkey), pathKey, h(enc));
      const p = peelOnion(packet, u.blindedSecret, new Uint8Array(0));
      const recs = tlvRecords(p.payload);
      expect(x(recs.find((rr) => rr.type === 4n)!.value)).toBe(enc);
      const pt = tlvRecords(u.plaintext);
      if (d.next_node_id) expect(x(pt.find((rr) => rr.type === 4n)!.value)).toBe(d.next_node_id);
      if (i < 3) { packet = p.next!; const o = pt.find((rr) => rr.type === 8n); pathKey = o ? o.value : u.nextPathKey; }
      else {
        expect(p.next).toBeNull();
        expect(x(recs.find((rr) => rr.type === 1n)!.value)).toBe('68656c6c6f');
      }
    });
  });
});

/** Peels and unblinds hop by hop: hop i's payload carries its encrypted data. */
function readMessage(packet: Uint8Array, pathKey: Uint8Array, privs: Uint8Array[]) {
  const size = packet.length - 66;
  const plaintexts: Uint8Array[] = [];
  let finalPayload: Uint8Array | null = null;
  for (let i = 0; i < privs.length; i++) {
    // Blinded key first (needs only the path key), then peel, then decrypt.
    const blindedPriv = blindedSecretOf(privs[i], pathKey);
    const p = peel(packet, blindedPriv, new Uint8Array(0), size);
    if (!p.ok) throw new Error(`hop ${i} cannot peel: 0x${p.code.toString(16)}`);
    const recs = tlvRecords(p.payload);
    const enc = recs.find((r) => r.type === 4n)!.value;
    const u = unblindHop(privs[i], pathKey, enc);
    plaintexts.push(u.plaintext);
    const pt = tlvRecords(u.plaintext);
    if (p.final) {
      expect(i).toBe(privs.length - 1);
      finalPayload = p.payload;
      break;
    }
    if (i === privs.length - 1) throw new Error('the packet goes on after the last node');
    // BOLT 4 §4.10: intermediate payloads contain only encrypted_recipient_data.
    expect(recs.map((r) => r.type)).toEqual([4n]);
    const o = pt.find((r) => r.type === 8n);
    pathKey = o ? o.value : u.nextPathKey;
    packet = p.next;
  }
  return { plaintexts, finalPayload: finalPayload! };
}


describe('device paths of 1-10 hops, read hop by hop by the @noble reader', () => {
  it('each hop decrypts its own data (and nothing else); blinded ids, next path keys; padding equalises', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 10 }), fc.boolean(), fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 10, maxLength: 10 }),
      fc.integer({ min: 0, max: 29 }),
      (n, pad, extras, start) => {
        const ids = Array.from({ length: n }, (_, i) => nodes[(start + i) % nodes.length]);
        const tlvs = ids.map((_, i) => i < n - 1
          ? cat(rec(4, ids[i + 1].pub), extras[i].length ? rec(561, extras[i]) : new Uint8Array(0))
          : cat(rec(6, sha256(extras[i])), rec(12, cat(h('000b6b00'), tu(extras[i].length)))));
        const reply = call(P.MSG_BLINDED_PATH, encodeBlindedPathRequest({ hops: ids.map((nd, i) => ({ nodeId: nd.pub, tlv: tlvs[i] })), pad }));
        const path = decodeBlindedPath(reply);
        expect(x(firstId(path))).toBe(x(ids[0].pub));
        expect(path.hops.length).toBe(n);
        if (pad) expect(new Set(path.hops.map((hp) => hp.encryptedRecipientData.length)).size).toBe(1);
        let pathKey = path.firstPathKey;
        for (let i = 0; i < n; i++) {
          const u = unblindHop(ids[i].sk, pathKey, path.hops[i].encryptedRecipientData);
          expect(x(secp.getPublicKey(u.blindedSecret, true))).toBe(x(path.hops[i].blindedNodeId));
          const recs = tlvRecords(u.plaintext);
          const body = pad ? cat(...recs.filter((r) => r.type !== 1n).map((r) => rec(r.type, r.value))) : u.plaintext;
          expect(x(body)).toBe(x(tlvs[i]));
          if (pad) expect(recs[0].type).toBe(1n);
          // Nobody else reads it: the next hop's key fails the tag.
          if (n > 1) expect(() => unblindHop(ids[(i + 1) % n].sk, pathKey, path.hops[i].encryptedRecipientData)).toThrow();
          pathKey = u.nextPathKey;
        }
      }), { numRuns: 25 });
  });
  it('a device-derived path secret is fresh: the same request twice gives unrelated paths', () => {
    const req = encodeBlindedPathRequest({ hops: [{ nodeId: nodes[0].pub, tlv: rec(4, nodes[1].pub) }, { nodeId: nodes[1].pub, tlv: rec(6, h('01')) }] });
    const a = decodeBlindedPath(call(P.MSG_BLINDED_PATH, req));
    const b = decodeBlindedPath(call(P.MSG_BLINDED_PATH, req));
    expect(x(a.firstPathKey)).not.toBe(x(b.firstPathKey));
    expect(x(a.hops[1].blindedNodeId)).not.toBe(x(b.hops[1].blindedNodeId));
  });
});

describe('onion messages built by the device, peeled to the end', () => {
  /** Their path: built by the device too (nodes[20..]), ending with path_id. */
  function theirPath(k: number, start: number): { path: BlindedPath; privs: Uint8Array[] } {
    const ids = Array.from({ length: k }, (_, i) => nodes[20 + ((start + i) % 20)]);
    const tlvs = ids.map((_, i) => (i < k - 1 ? rec(4, ids[i + 1].pub) : rec(6, sha256(ascii(`path ${start}`)))));
    const path = decodeBlindedPath(call(P.MSG_BLINDED_PATH, encodeBlindedPathRequest({ hops: ids.map((nd, i) => ({ nodeId: nd.pub, tlv: tlvs[i] })) })));
    return { path, privs: ids.map((nd) => nd.sk) };
  }
  it('our route of 0-3 hops then their path of 1-5 hops; 1366 or 32834 bytes as the payloads need', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 19 }),
      fc.oneof(fc.integer({ min: 0, max: 900 }), fc.integer({ min: 1000, max: 6000 })),
      (m, k, start, noteLen) => {
        const { path, privs } = theirPath(k, start);
        const ours = Array.from({ length: m }, (_, i) => nodes[(start + i) % 20]);
        // Final payload: invoice_request-sized record (type 64) and an odd 65 note.
        const finalPayload = noteLen > 0 ? cat(rec(2, h('00')), rec(64, new Uint8Array(noteLen).fill(7)), rec(65, ascii('x'))) : new Uint8Array(0);
        const msg = onionMessage({ ourRoute: ours.map((o) => o.pub), path, finalPayload });
        expect([1366, 32834]).toContain(msg.packet.length);
        const r = readMessage(msg.packet, msg.pathKey, [...ours.map((o) => o.sk), ...privs]);
        // Our hops name the next node; the one before their path overrides the path key.
        for (let i = 0; i < m; i++) {
          const pt = tlvRecords(r.plaintexts[i]);
          expect(x(pt.find((t) => t.type === 4n)!.value)).toBe(x(i < m - 1 ? ours[i + 1].pub : firstId(path)));
          expect(pt.some((t) => t.type === 8n)).toBe(i === m - 1);
        }
        const fin = tlvRecords(r.finalPayload);
        expect(fin.map((t) => t.type)).toEqual(noteLen > 0 ? [2n, 4n, 64n, 65n] : [4n]);
        expect(x(fin.find((t) => t.type === 4n)!.value)).toBe(x(path.hops[k - 1].encryptedRecipientData));
        if (noteLen > 0) expect(fin.find((t) => t.type === 64n)!.value.length).toBe(noteLen);
        // CLN picks 1300 when Σ(BigSize length + payload + 32) fits (digest §6.1).
        const sizes = [...ours.map((_, i) => (i < m - 1 ? 53 : 88)), ...path.hops.map((hp, j) =>
          1 + bigsize(hp.encryptedRecipientData.length).length + hp.encryptedRecipientData.length + (j === k - 1 ? finalPayload.length : 0))];
        const need = sizes.reduce((a, l) => a + bigsize(l).length + l + 32, 0);
        expect(msg.packet.length).toBe(need <= 1300 ? 1366 : 32834);
      }), { numRuns: 20 });
  });
  it('a 32834-byte packet is read out in chunks; reads past the end are refused with its length', () => {
    const { path, privs } = theirPath(2, 3);
    const msg = onionMessage({ ourRoute: [nodes[0].pub], path, finalPayload: rec(64, new Uint8Array(5000).fill(1)) });
    expect(msg.packet.length).toBe(32834);
    readMessage(msg.packet, msg.pathKey, [nodes[0].sk, ...privs]);
    const e = refusal(() => call(P.MSG_ONION_MESSAGE_READ, encodeOnionMessageRead(32834)));
    expect([e.code, e.detail]).toEqual([P.ERR_ONION_READ, 32834]);
    expect(call(P.MSG_ONION_MESSAGE_READ, encodeOnionMessageRead(32834 - 10)).length).toBe(10);
  });
});

describe('refusals (code and detail), the device keeps serving', () => {
  const twoHop = (tlv0: Uint8Array, tlv1: Uint8Array, pad = false) =>
    encodeBlindedPathRequest({ pad, hops: [{ nodeId: nodes[0].pub, tlv: tlv0 }, { nodeId: nodes[1].pub, tlv: tlv1 }] });
  const tlvErr = (payload: Uint8Array) => { const e = refusal(() => call(P.MSG_BLINDED_PATH, payload)); expect(e.code).toBe(P.ERR_BLIND_TLV); return e.detail; };
  it('encrypted_data_tlv checks: framing, fields, unknown even types, both/no next, path_id, padding', () => {
    const next = rec(4, nodes[1].pub);
    expect(tlvErr(twoHop(cat(next, rec(2, new Uint8Array(8))), rec(6, h('01'))))).toBe(P.BLIND_TLV_FRAMING | (35 << 16)); // 4 then 2: order
    expect(tlvErr(twoHop(rec(2, new Uint8Array(7)), rec(6, h('01')))) & 0xff).toBe(P.BLIND_TLV_BAD_FIELD);
    expect(tlvErr(twoHop(rec(4, cat(h('05'), nodes[1].pub.subarray(1))), rec(6, h('01')))) & 0xff).toBe(P.BLIND_TLV_BAD_FIELD);
    expect(tlvErr(twoHop(cat(next, rec(10, h('0024000000960000'))), rec(6, h('01')))) & 0xff).toBe(P.BLIND_TLV_BAD_FIELD); // tu32 not minimal
    expect(tlvErr(twoHop(next, rec(16, h('01')))) & 0xffff).toBe(P.BLIND_TLV_UNKNOWN_EVEN | (1 << 8));
    expect(tlvErr(twoHop(cat(rec(2, new Uint8Array(8)), next), rec(6, h('01'))))).toBe(P.BLIND_TLV_BOTH_NEXT);
    expect(tlvErr(twoHop(rec(6, h('01')), rec(6, h('01'))))).toBe(P.BLIND_TLV_PATH_ID | (0 << 8) | (2 << 16));
    expect(tlvErr(twoHop(rec(14, new Uint8Array(0)), rec(6, h('01'))))).toBe(P.BLIND_TLV_NO_NEXT);
    expect(tlvErr(twoHop(cat(rec(1, h('0000')), next), rec(6, h('01')), true))).toBe(P.BLIND_TLV_PADDING);
  });
  it('a reply that would not fit one frame is refused with the bytes over; bad layouts ERR_BAD_PAYLOAD', () => {
    const big = rec(6, new Uint8Array(4000));
    const req = encodeBlindedPathRequest({ pad: true, hops: [
      { nodeId: nodes[0].pub, tlv: rec(4, nodes[1].pub) }, { nodeId: nodes[1].pub, tlv: rec(4, nodes[2].pub) }, { nodeId: nodes[2].pub, tlv: big },
    ] });
    const e = refusal(() => call(P.MSG_BLINDED_PATH, req));
    // Every hop padded to the longest plaintext (4004 bytes) + 2: 67 + 3 × (51 + 4006) bytes.
    expect(e.code).toBe(P.ERR_ONION_ROUTE);
    expect(e.detail & 0xff).toBe(P.ONION_ROUTE_TOO_BIG);
    expect(e.detail >>> 8).toBe(67 + 3 * (51 + 4006) - P.FRAME_MAX_PAYLOAD);
    expect(refusal(() => call(P.MSG_BLINDED_PATH, h('0001'))).code).toBe(P.ERR_BAD_PAYLOAD);
    expect(refusal(() => call(P.MSG_BLINDED_PATH, h('0000'))).detail).toBe(1); // 0 hops
  });
  it('onion_message: a final payload with type 4, an scid-form first_node_id, payloads over the limit', () => {
    const path = decodeBlindedPath(call(P.MSG_BLINDED_PATH, encodeBlindedPathRequest({ hops: [{ nodeId: nodes[5].pub, tlv: rec(6, h('01')) }] })));
    const e = refusal(() => call(P.MSG_ONION_MESSAGE, encodeOnionMessageRequest({ ourRoute: [nodes[0].pub], path, finalPayload: rec(4, h('00')) })));
    expect([e.code, e.detail]).toEqual([P.ERR_BLIND_TLV, P.BLIND_TLV_FINAL_HAS_4 | (1 << 8)]);
    // Their first_node_id / first_path_key must be points: the device names them in our last hop.
    const badKey = { ...path, firstPathKey: cat(h('02'), new Uint8Array(32).fill(0xff)) };
    const e3 = refusal(() => call(P.MSG_ONION_MESSAGE, encodeOnionMessageRequest({ ourRoute: [nodes[0].pub], path: badKey, finalPayload: new Uint8Array(0) })));
    expect([e3.code, e3.detail]).toEqual([P.ERR_BLIND_TLV, P.BLIND_TLV_BAD_FIELD | (0 << 8) | (37 << 16)]);
    const scidForm = encodeOnionMessageRequest({ ourRoute: [], path, finalPayload: new Uint8Array(0) });
    scidForm[P.OMSG_OFF_KEYS] = 0;
    expect(refusal(() => call(P.MSG_ONION_MESSAGE, scidForm)).code).toBe(P.ERR_BLIND_TLV);
    // The client writes a path in the scid form as it is (9 bytes of first_node_id): refused, reason 9.
    const viaScid = { ...path, firstNodeId: { scid: { block: 800_000, txIndex: 1, outputIndex: 0 }, direction: 1 as const } };
    const e4 = refusal(() => call(P.MSG_ONION_MESSAGE, encodeOnionMessageRequest({ ourRoute: [nodes[0].pub], path: viaScid, finalPayload: new Uint8Array(0) })));
    expect([e4.code, e4.detail & 0xff]).toEqual([P.ERR_BLIND_TLV, P.BLIND_TLV_PATH]);
    // 20 own hops (19 × 54 + 89 bytes staged) and a 7400-byte note: over the 8448 bytes the device encodes.
    const ours = nodes.slice(0, 20).map((nd) => nd.pub);
    const note = rec(64, new Uint8Array(7400));
    const staged = 19 * 54 + 89 + (3 + 1 + 1 + path.hops[0].encryptedRecipientData.length + note.length);
    const e2 = refusal(() => call(P.MSG_ONION_MESSAGE, encodeOnionMessageRequest({ ourRoute: ours, path, finalPayload: note })));
    expect([e2.code, e2.detail]).toEqual([P.ERR_ONION_ROUTE, P.ONION_ROUTE_TOO_BIG | ((staged - P.FRAME_MAX_PAYLOAD) << 8)]);
  });
  it('build_onion: payloads over 1300 bytes are refused with the bytes over', () => {
    const hash = sha256(ascii('too big'));
    const payload = cat(rec(2, tu(1000)), rec(4, tu(800000)), rec(65537, new Uint8Array(1250)));
    const size = (payload.length < 0xfd ? 1 : 3) + payload.length + 32;
    const e = refusal(() => call(P.MSG_BUILD_ONION, encodeBuildOnion({ hops: [{ pubkey: nodes[0].pub, payload }], paymentHash: hash, firstHopAmountMsat: 1000n })));
    expect([e.code, e.detail]).toEqual([P.ERR_ONION_ROUTE, P.ONION_ROUTE_TOO_BIG | ((size - 1300) << 8)]);
  });
  it('random payloads to the new requests never trap; the device answers ping after each', () => {
    fc.assert(fc.property(
      fc.constantFrom(P.MSG_BLINDED_PATH, P.MSG_ONION_MESSAGE, P.MSG_ONION_MESSAGE_READ),
      fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 3 }),
      (type, body, flags) => {
        const b = body.slice();
        if (b.length > 0) b[0] = flags;
        const f = chip.request(type, b);
        expect([type | P.MSG_REPLY, P.MSG_ERROR]).toContain(f.type);
        expect(x(chip.request(P.MSG_PING, h('abcd')).payload)).toBe('abcd');
      }), { numRuns: 200 });
  });
});

