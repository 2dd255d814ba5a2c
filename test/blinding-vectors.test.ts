// BOLT 4 route-blinding vectors on the host's @noble implementation
// (host/blinding/), byte for byte: route-blinding-test.json (encrypted_data_tlv
// encodings, path construction, unblinding at every hop),
// blinded-onion-message-onion-test.json (CLN-style sending into someone's
// path, then peeling at every hop) and blinded-payment-onion-test.json
// (writer duties and payinfo, the payment onion, each hop's processing).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import {
  buildBlindedPath, decodeEncryptedData, encodeEncryptedData, unblindHop, nextPathKey, blindedNodeId,
  buildOnionMessage, decodeOnionMessage, encodeOnionMessage, peelOnionMessage, encodeOnionMessagePayload,
  paymentPathData, aggregatePayinfo, blindedPaymentRoute, receiveBlindedHtlc, encodeBlindedPath, decodeBlindedPath,
  type EncryptedData,
} from '../host/blinding/index.js';
import { buildOnion } from '../host/onion/sphinx.js';
import type { BlindedPath, ShortChannelId } from '../host/bolt12/subtypes.js';
import { secp } from '../host/crypto/noble.js';

const vec = (f: string) => JSON.parse(readFileSync(join(__dirname, 'vectors', f), 'utf8'));
const rb = vec('route-blinding-test.json');
const om = vec('blinded-onion-message-onion-test.json');
const bp = vec('blinded-payment-onion-test.json');

const scid = (s: string): ShortChannelId => {
  const [block, txIndex, outputIndex] = s.split('x').map(Number);
  return { block, txIndex, outputIndex };
};
/** BOLT 9 feature list → big-endian bitfield of minimal length. */
const featureBits = (bits: number[]) => {
  if (bits.length === 0) return new Uint8Array(0);
  const len = Math.floor(Math.max(...bits) / 8) + 1;
  const out = new Uint8Array(len);
  for (const b of bits) out[len - 1 - Math.floor(b / 8)] |= 1 << (b % 8);
  return out;
};

/** The vectors' JSON `tlvs` → EncryptedData (unknown_tag_N → odd record N). */
function dataFromJson(t: Record<string, any>): EncryptedData {
  const d: EncryptedData = {};
  const unknown: { type: bigint; value: Uint8Array }[] = [];
  for (const [k, v] of Object.entries(t)) {
    if (k === 'padding') d.padding = fromHex(v);
    else if (k === 'short_channel_id') d.shortChannelId = scid(v);
    else if (k === 'next_node_id') d.nextNodeId = fromHex(v);
    else if (k === 'path_id') d.pathId = fromHex(v);
    else if (k === 'next_path_key_override') d.nextPathKeyOverride = fromHex(v);
    else if (k === 'payment_relay') d.paymentRelay = { cltvExpiryDelta: v.cltv_expiry_delta, feeProportionalMillionths: v.fee_proportional_millionths ?? 0, feeBaseMsat: v.fee_base_msat ?? 0 };
    else if (k === 'payment_constraints') d.paymentConstraints = { maxCltvExpiry: v.max_cltv_expiry, htlcMinimumMsat: BigInt(v.htlc_minimum_msat) };
    else if (k === 'allowed_features') d.allowedFeatures = featureBits(v.features);
    else if (k.startsWith('unknown_tag_')) unknown.push({ type: BigInt(k.slice(12)), value: fromHex(v) });
    else if (k !== 'path_key_override_secret') throw new Error(`unexpected field ${k}`);
  }
  if (unknown.length) d.unknown = unknown;
  return d;
}

const hexOf = (d: EncryptedData) => toHex(encodeEncryptedData(d));

describe('route-blinding-test.json', () => {
  const gen = rb.generate.hops as any[];

  it('encodes every hop\'s encrypted_data_tlv byte for byte and decodes it back to the same fields', () => {
    for (const h of gen) {
      const d = dataFromJson(h.tlvs);
      expect(hexOf(d)).toBe(h.encoded_tlvs);
      const back = decodeEncryptedData(fromHex(h.encoded_tlvs));
      expect(back).toEqual(d);
    }
    // Fields of the vector worth naming: Dave's fee_base_msat 0 is an empty tu32; Eve allows feature 113.
    const dave = decodeEncryptedData(fromHex(gen[2].encoded_tlvs));
    expect(dave.paymentRelay).toEqual({ cltvExpiryDelta: 144, feeProportionalMillionths: 250, feeBaseMsat: 0 });
    expect(toHex(decodeEncryptedData(fromHex(gen[3].encoded_tlvs)).allowedFeatures!)).toBe('02' + '00'.repeat(14));
  });

  /** Bob's part (session 0x02, Bob → Carol, Carol overriding with Dave's key) and Eve's (session 0x01, Dave → Eve). */
  const parts = () => {
    const bob = buildBlindedPath(gen.slice(0, 2).map((h) => ({ nodeId: fromHex(h.node_id), data: fromHex(h.encoded_tlvs) })), { sessionKey: fromHex(gen[0].session_key) });
    const eve = buildBlindedPath(gen.slice(2).map((h) => ({ nodeId: fromHex(h.node_id), data: fromHex(h.encoded_tlvs) })), { sessionKey: fromHex(gen[2].session_key) });
    return [...bob.hops, ...eve.hops];
  };

  it('builds both spliced paths: path keys, secrets, rho, blinded ids and ciphertexts of every hop', () => {
    const hops = parts();
    gen.forEach((h, i) => {
      expect(toHex(hops[i].pathSecret)).toBe(h.path_privkey);
      expect(toHex(hops[i].pathKey)).toBe(h.path_key);
      expect(toHex(hops[i].sharedSecret)).toBe(h.shared_secret);
      expect(toHex(hops[i].rho)).toBe(h.rho);
      expect(toHex(hops[i].encryptedRecipientData)).toBe(h.encrypted_data);
      expect(toHex(hops[i].blindedNodeId)).toBe(h.blinded_node_id);
    });
    // Carol's override is Dave's first path key: the splice.
    expect(gen[1].tlvs.next_path_key_override).toBe(gen[2].path_key);
    const route = rb.route;
    expect(route.first_path_key).toBe(toHex(hops[0].pathKey));
    expect(route.hops.map((h: any) => [h.blinded_node_id, h.encrypted_data])).toEqual(hops.map((h) => [toHex(h.blindedNodeId), toHex(h.encryptedRecipientData)]));
  });

  it('padding option reproduces the vector\'s equal-length plaintexts from the unpadded fields', () => {
    const strip = (h: any) => {
      const d = dataFromJson(h.tlvs);
      delete d.padding;
      return { nodeId: fromHex(h.node_id), data: d };
    };
    const bob = buildBlindedPath(gen.slice(0, 2).map(strip), { sessionKey: fromHex(gen[0].session_key), pad: true });
    const eve = buildBlindedPath(gen.slice(2).map(strip), { sessionKey: fromHex(gen[2].session_key), pad: 65 });
    expect([...bob.hops, ...eve.hops].map((h) => toHex(h.encryptedRecipientData))).toEqual(gen.map((h) => h.encrypted_data));
  });

  it('unblinds at every hop: blinded private key, decrypted data, next path key (override at Carol)', () => {
    for (const u of rb.unblind.hops as any[]) {
      const i = (rb.unblind.hops as any[]).indexOf(u);
      const hop = unblindHop(fromHex(u.node_privkey), fromHex(u.path_key), fromHex(rb.route.hops[i].encrypted_data));
      expect(toHex(hop.blindedSecret)).toBe(u.blinded_privkey);
      expect(toHex(secp.getPublicKey(hop.blindedSecret, true))).toBe(rb.route.hops[i].blinded_node_id);
      expect(toHex(hop.plaintext)).toBe(u.decrypted_data);
      // next_path_key is the computed E_{i+1}; the override (Carol) replaces it.
      expect(toHex(nextPathKey(fromHex(u.path_key), hop.sharedSecret))).toBe(u.next_path_key);
      expect(toHex(hop.nextPathKey)).toBe(u.next_path_key_override ?? u.next_path_key);
      expect(toHex(blindedNodeId(secp.getPublicKey(fromHex(u.node_privkey), true), hop.sharedSecret))).toBe(rb.route.hops[i].blinded_node_id);
    }
  });

  it('blinded_path subtype round-trips (first_node_id as a point and as scid+direction)', () => {
    const path: BlindedPath = {
      firstNodeId: { pubkey: fromHex(rb.route.first_node_id) },
      firstPathKey: fromHex(rb.route.first_path_key),
      hops: rb.route.hops.map((h: any) => ({ blindedNodeId: fromHex(h.blinded_node_id), encryptedRecipientData: fromHex(h.encrypted_data) })),
    };
    expect(decodeBlindedPath(encodeBlindedPath(path))).toEqual(path);
    const bySciddir: BlindedPath = { ...path, firstNodeId: { direction: 1, scid: scid('700000x1234x5') } };
    const enc = encodeBlindedPath(bySciddir);
    expect(enc[0]).toBe(1);
    expect(enc.length).toBe(encodeBlindedPath(path).length - 24);
    expect(decodeBlindedPath(enc)).toEqual(bySciddir);
    expect(() => decodeBlindedPath(new Uint8Array([...enc, 0]))).toThrow(/trailing/);
  });
});

describe('blinded-onion-message-onion-test.json', () => {
  const gen = om.generate.hops as any[];
  const key = (i: number) => secp.getPublicKey(fromHex(om.decrypt.hops[i].privkey), true);
  // Dave's path Bob → Carol → Dave (path key secret 0x01), as Dave would publish it.
  const davePath = () => buildBlindedPath(gen.slice(1).map((h, i) => ({ nodeId: key(i + 1), data: dataFromJson(h.tlvs) })), { sessionKey: fromHex(gen[1].path_key_secret) });

  it('encodes each hop\'s encrypted_data_tlv and builds Dave\'s path hop by hop (ss, blinded id, E, rho, ciphertext)', () => {
    gen.forEach((h) => expect(hexOf(dataFromJson(h.tlvs))).toBe(h.encrypted_data_tlv));
    const built = davePath();
    built.hops.forEach((b, i) => {
      const h = gen[i + 1];
      expect(toHex(b.pathSecret)).toBe(h.path_key_secret);
      expect(toHex(b.pathKey)).toBe(h.E);
      expect(toHex(b.sharedSecret)).toBe(h.ss);
      expect(toHex(b.blindedNodeId)).toBe(h.blinded_node_id);
      expect(toHex(b.rho)).toBe(h.rho);
      expect(toHex(b.encryptedRecipientData)).toBe(h.encrypted_recipient_data);
    });
  });

  it('sends along Dave\'s path from Alice as CLN does: the route, the 1366-byte packet and the peer message, byte for byte', () => {
    const p = davePath().path;
    const built = buildOnionMessage({
      route: [key(0), key(1)], path: p,
      payload: { unknown: [{ type: 1n, value: fromHex(om.onionmessage.unknown_tag_1) }] },
      sessionKey: fromHex(om.generate.session_key),
      pathSessionKey: fromHex(gen[0].path_key_secret),
    });
    expect(built.size).toBe(1300);
    expect(toHex(built.ourPath!.hops[0].plaintext)).toBe(gen[0].encrypted_data_tlv);
    expect(toHex(built.message.pathKey)).toBe(om.route.first_path_key);
    expect(built.hops.map((h) => toHex(h.pubkey))).toEqual(om.route.hops.map((h: any) => h.blinded_node_id));
    expect(toHex(built.message.packet)).toBe(om.onionmessage.onion_message_packet);
    expect(toHex(encodeOnionMessage(built.message))).toBe(om.decrypt.hops[0].onion_message);
  });

  it('peels at every hop with that hop\'s key: forwards to next_node_id with the vector\'s next message, Dave gets "hello"', () => {
    const hops = om.decrypt.hops as any[];
    for (let i = 0; i < hops.length; i++) {
      const msg = decodeOnionMessage(fromHex(hops[i].onion_message))!;
      expect(msg).toBeDefined();
      const step = peelOnionMessage(msg, fromHex(hops[i].privkey));
      if (i < hops.length - 1) {
        expect(step.kind).toBe('forward');
        if (step.kind !== 'forward') return;
        expect(toHex(step.nextNodeId!)).toBe(hops[i].next_node_id);
        expect(toHex(encodeOnionMessage(step.message))).toBe(hops[i + 1].onion_message);
      } else {
        expect(step.kind).toBe('deliver');
        if (step.kind !== 'deliver') return;
        expect(toHex(step.payload.encryptedRecipientData!)).toBe(hops[i].tlvs.encrypted_recipient_data);
        expect(step.payload.unknown).toEqual([{ type: 1n, value: fromHex(hops[i].tlvs.unknown_tag_1) }]);
        expect(toHex(step.pathId!)).toBe(gen[3].tlvs.path_id);
        expect(toHex(encodeOnionMessagePayload(step.payload))).toBe('0105' + hops[i].tlvs.unknown_tag_1 + '04' + (hops[i].tlvs.encrypted_recipient_data.length / 2).toString(16) + hops[i].tlvs.encrypted_recipient_data);
      }
    }
  });

  it('a hop holding another node\'s key, or handed another path key, drops the message', () => {
    const msg = decodeOnionMessage(fromHex(om.decrypt.hops[1].onion_message))!;
    expect(peelOnionMessage(msg, fromHex(om.decrypt.hops[2].privkey)).kind).toBe('drop');
    const wrongKey = { ...msg, pathKey: fromHex(om.decrypt.hops[2].onion_message).slice(2, 35) };
    expect(peelOnionMessage(wrongKey, fromHex(om.decrypt.hops[1].privkey))).toMatchObject({ kind: 'drop' });
  });
});

describe('blinded-payment-onion-test.json', () => {
  const g = bp.generate;
  const full = g.full_route.hops as any[];
  const ad = fromHex(g.associated_data);
  const node = (alias: string) => secp.getPublicKey(fromHex(bp.decrypt.hops.find((h: any) => h.alias === alias).node_privkey), true);
  const vectorPath = (): BlindedPath => ({
    firstNodeId: { pubkey: fromHex(g.blinded_route.first_node_id) },
    firstPathKey: fromHex(g.blinded_route.first_path_key),
    hops: g.blinded_route.hops.map((h: any) => ({ blindedNodeId: fromHex(h.blinded_node_id), encryptedRecipientData: fromHex(h.encrypted_data) })),
  });

  it('writer duties and payinfo: relays in order, max_cltv 750000→750025→750100→750150, aggregate 10100 msat / 251 ppm / 150', () => {
    const relay = (h: any) => dataFromJson(h.tlvs.encrypted_recipient_data).paymentRelay!;
    const hops = ['Bob', 'Carol', 'Dave'].map((a, i) => ({
      nodeId: node(a), shortChannelId: scid(full[i + 1].tlvs.encrypted_recipient_data.short_channel_id), relay: relay(full[i + 1]), htlcMinimumMsat: 50n,
    }));
    const pp = paymentPathData({
      hops, finalNodeId: node('Eve'), pathId: fromHex(full[4].tlvs.encrypted_recipient_data.path_id),
      finalMaxCltvExpiry: 750000, htlcMinimumMsat: 50n, allowedFeatures: true,
    });
    expect(pp.hops.map((h) => h.data.paymentConstraints!.maxCltvExpiry)).toEqual([750150, 750100, 750025, 750000]);
    expect(pp.payinfo).toMatchObject({ feeBaseMsat: 10100, feeProportionalMillionths: 251, cltvExpiryDelta: 150, htlcMinimumMsat: 50n });
    expect(pp.payinfo.feeBaseMsat).toBe(g.blinded_payinfo.fee_base_msat);
    expect(pp.payinfo.feeProportionalMillionths).toBe(g.blinded_payinfo.fee_proportional_millionths);
    expect(pp.payinfo.cltvExpiryDelta).toBe(g.blinded_payinfo.cltv_expiry_delta);
    // The other order gives 10104 (bolt-digest §4.7): the aggregation really starts at the recipient's end.
    expect(aggregatePayinfo([...hops].reverse().map((h) => h.relay)).feeBaseMsat).toBe(10104n);
    // Every generated hop's data equals the vector's fields (the vector splices Carol to Dave's path with an override).
    pp.hops.forEach((h, i) => {
      const want = dataFromJson(full[i + 1].tlvs.encrypted_recipient_data);
      delete want.padding;
      delete want.nextPathKeyOverride;
      expect(h.data).toEqual(want);
    });
    // Sealed with the route-blinding sessions (Bob's 0x02, Eve's 0x01) and padded to one length: the vector's ciphertexts.
    const eve = buildBlindedPath(pp.hops.slice(2), { sessionKey: fromHex(rb.generate.hops[2].session_key), pad: 63 });
    const carol = { ...pp.hops[1], data: { ...pp.hops[1].data, nextPathKeyOverride: eve.path.firstPathKey } };
    const bob = buildBlindedPath([pp.hops[0], carol], { sessionKey: fromHex(rb.generate.hops[0].session_key), pad: true });
    expect([...bob.hops, ...eve.hops].map((h) => toHex(h.encryptedRecipientData))).toEqual(g.blinded_route.hops.map((h: any) => h.encrypted_data));
    expect(toHex(bob.path.firstPathKey)).toBe(g.blinded_route.first_path_key);
  });

  it('builds the hop payloads (Alice clear, Bob intro, Carol/Dave inner, Eve final) and the onion byte for byte', () => {
    const route = blindedPaymentRoute({
      clearHops: [{ nodeId: fromHex(full[0].pubkey), shortChannelId: fromHex('000000000000000a'), feeBaseMsat: 0n, feePpm: 0n, cltvExpiryDelta: 0 }],
      path: vectorPath(), payinfo: { feeBaseMsat: 10100, feeProportionalMillionths: 251, cltvExpiryDelta: 150 },
      amountMsat: BigInt(g.final_amount_msat), totalAmountMsat: 150000n, finalCltv: g.final_cltv,
    });
    expect(route.hops.map((h) => toHex(h.pubkey))).toEqual(full.map((h) => h.pubkey));
    expect(route.hops.map((h) => toHex(h.payload))).toEqual(full.map((h) => h.payload));
    expect(route.introAmountMsat).toBe(110125n);
    expect(route.introCltv).toBe(749150);
    expect(route.firstAmountMsat).toBe(110125n);
    expect(route.feeMsat).toBe(10125n);
    expect(toHex(buildOnion(fromHex(g.session_key), route.hops, ad).onion)).toBe(g.onion);
  });

  it('each hop processes its onion: Alice clear, Bob as introduction node, Carol/Dave inner, Eve receives', () => {
    const d = bp.decrypt.hops as any[];
    // Alice: not blinded, her peel is handed back.
    const a = receiveBlindedHtlc({ onion: fromHex(d[0].onion), paymentHash: ad, amountMsat: 110125n, cltvExpiry: 749150 }, fromHex(d[0].node_privkey));
    expect(a.kind).toBe('clear');
    if (a.kind !== 'clear' || !a.peel.ok || a.peel.final) throw new Error('alice');
    expect(toHex(a.peel.next)).toBe(d[1].onion);
    let amount = 110125n;
    let cltv = 749150;
    let pathKey: Uint8Array | undefined;
    const expectAmounts = [100125n, 100010n, 100000n];
    for (let i = 1; i < d.length; i++) {
      const step = receiveBlindedHtlc({ onion: fromHex(d[i].onion), paymentHash: ad, amountMsat: amount, cltvExpiry: cltv, pathKey }, fromHex(d[i].node_privkey));
      if (i < d.length - 1) {
        expect(step.kind).toBe('forward');
        if (step.kind !== 'forward') return;
        expect(step.role).toBe(i === 1 ? 'introduction' : 'inner');
        expect(toHex(step.next)).toBe(d[i + 1].onion);
        expect(toHex(step.nextPathKey)).toBe(d[i].next_path_key);
        expect(step.amtToForward).toBe(expectAmounts[i - 1]);
        expect(step.outgoingCltv).toBe(cltv - [50, 75, 25][i - 1]);
        amount = step.amtToForward;
        cltv = step.outgoingCltv;
        pathKey = step.nextPathKey;
      } else {
        expect(step).toMatchObject({ kind: 'receive', role: 'inner', amtToForward: 100000n, totalAmountMsat: 150000n, outgoingCltv: 749000 });
        if (step.kind !== 'receive') return;
        expect(toHex(step.pathId!)).toBe(full[4].tlvs.encrypted_recipient_data.path_id);
        expect(amount).toBe(100000n);
        expect(cltv).toBe(749000);
        // The path key Eve would hand on (the vector lists it) follows from hers.
        const eve = unblindHop(fromHex(d[i].node_privkey), pathKey!, fromHex(g.blinded_route.hops[3].encrypted_data));
        expect(toHex(eve.nextPathKey)).toBe(d[i].next_path_key);
      }
    }
  });
});
