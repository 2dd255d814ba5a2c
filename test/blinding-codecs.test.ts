// BOLT 1 rules on the route-blinding codecs (encrypted_data_tlv, onionmsg_tlv,
// payment payload's blinded fields) and the onion-message size choice of
// cln-offers-flow-digest §6.1 (1300, else 32768, else refused with the bytes over).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import {
  decodeEncryptedData, encodeEncryptedData, decodeOnionMessagePayload, encodeOnionMessagePayload,
  buildBlindedPath, buildOnionMessage, onionMessageSize, peelOnionMessage, ONION_MESSAGE_LARGE, type EncryptedData,
} from '../host/blinding/index.js';
import { buildOnion, OnionTooLarge } from '../host/onion/sphinx.js';
import { decodePayload, encodeBlindedHopPayload, withLength } from '../host/onion/payload.js';
import { TlvError } from '../host/bolt12/errors.js';
import { secp } from '../host/crypto/noble.js';
import { sha256 } from '@noble/hashes/sha2.js';

const G = secp.getPublicKey(sha256(Uint8Array.of(7)), true);
const sk = (i: number) => sha256(Uint8Array.of(0xb1, i));
const pk = (i: number) => secp.getPublicKey(sk(i), true);

describe('encrypted_data_tlv (BOLT 1 rules)', () => {
  const bad = (hex: string, why: RegExp) => expect(() => decodeEncryptedData(fromHex(hex))).toThrow(why);

  it('payment_relay is delta, ppm, then a minimal tu32 base', () => {
    const d: EncryptedData = { paymentRelay: { cltvExpiryDelta: 0x1234, feeProportionalMillionths: 0x01020304, feeBaseMsat: 0x0500 } };
    expect(toHex(encodeEncryptedData(d))).toBe('0a08' + '1234' + '01020304' + '0500');
    expect(decodeEncryptedData(fromHex('0a0812340102030405 00'.replace(' ', '')))).toEqual(d);
    // Leading zero in the tu32 base, or five bytes of it.
    bad('0a09123401020304000500', /not minimal/);
    bad('0a0b12340102030401020304 05'.replace(' ', ''), /longer than 4/);
    // Too short for delta + ppm.
    bad('0a051234010203', /truncated/);
  });

  it('payment_constraints is u32 max_cltv then a minimal tu64', () => {
    expect(toHex(encodeEncryptedData({ paymentConstraints: { maxCltvExpiry: 750150, htlcMinimumMsat: 50n } }))).toBe('0c05000b724632');
    bad('0c06000b72460032', /not minimal/);
    bad('0c0d000b7246010203040506070809', /longer than 8/);
  });

  it('types strictly increasing, no duplicates, unknown even refused, unknown odd kept byte for byte', () => {
    bad('0208000000000000000101020000', /out of order/);
    bad('01000100', /duplicate/);
    bad('1000', /unknown even record type 16/);
    const d = decodeEncryptedData(fromHex('0100fd023103123456'));
    expect(d.unknown).toEqual([{ type: 561n, value: fromHex('123456') }]);
    expect(toHex(encodeEncryptedData(d))).toBe('0100fd023103123456');
    expect(() => encodeEncryptedData({ unknown: [{ type: 16n, value: new Uint8Array(0) }] })).toThrow(/not an unknown odd type/);
    expect(() => encodeEncryptedData({ unknown: [{ type: 6n, value: new Uint8Array(0) }] })).toThrow(/not an unknown odd type/);
  });

  it('fixed-size fields must have their exact size; points must be on the curve', () => {
    bad('020700000000000001', /truncated/);
    bad('02090000000000000001ff', /trailing/);
    bad('0421' + '02' + '00'.repeat(32), /not a valid secp256k1 point/);
    bad('0820' + toHex(G).slice(2), /truncated/);
    bad('0422' + toHex(G) + '00', /trailing/);
    // Non-minimal BigSize length.
    bad('01fd0001' + '00', /minimal/);
  });

  it('round-trips arbitrary field sets', () => {
    const arb = fc.record({
      padding: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
      shortChannelId: fc.option(fc.record({ block: fc.integer({ min: 0, max: 0xffffff }), txIndex: fc.integer({ min: 0, max: 0xffffff }), outputIndex: fc.integer({ min: 0, max: 0xffff }) }), { nil: undefined }),
      pathId: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
      paymentRelay: fc.option(fc.record({ cltvExpiryDelta: fc.integer({ min: 0, max: 0xffff }), feeProportionalMillionths: fc.nat({ max: 0xffffffff }), feeBaseMsat: fc.nat({ max: 0xffffffff }) }), { nil: undefined }),
      paymentConstraints: fc.option(fc.record({ maxCltvExpiry: fc.nat({ max: 0xffffffff }), htlcMinimumMsat: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }), { nil: undefined }),
      allowedFeatures: fc.option(fc.uint8Array({ maxLength: 4 }), { nil: undefined }),
    }, { requiredKeys: [] });
    fc.assert(fc.property(arb, (raw) => {
      const d = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as EncryptedData;
      expect(decodeEncryptedData(encodeEncryptedData(d))).toEqual(d);
    }), { numRuns: 200 });
  });
});

describe('onionmsg_tlv', () => {
  it('round-trips reply_path, encrypted data and the BOLT 12 payloads; unknown even refused', () => {
    const path = buildBlindedPath([{ nodeId: pk(1), data: { nextNodeId: pk(2) } }, { nodeId: pk(2), data: { pathId: new Uint8Array(32).fill(9) } }], { sessionKey: sk(9) }).path;
    const p = { replyPath: path, encryptedRecipientData: fromHex('aabb'), invoiceRequest: fromHex('0001'), invoice: fromHex('02'), invoiceError: fromHex('05016f'), unknown: [{ type: 71n, value: fromHex('01') }] };
    const enc = encodeOnionMessagePayload(p);
    expect(decodeOnionMessagePayload(enc)).toEqual(p);
    expect(() => decodeOnionMessagePayload(fromHex('4600'))).toThrow(/unknown even record type 70/);
    // A reply_path with a byte too many.
    const rp = encodeOnionMessagePayload({ replyPath: path });
    const longer = Uint8Array.from([rp[0], rp[1] + 1, ...rp.subarray(2), 0]);
    expect(() => decodeOnionMessagePayload(longer)).toThrow(TlvError);
  });

  it('payment payload reads encrypted_recipient_data, current_path_key and total_amount_msat', () => {
    const enc = encodeBlindedHopPayload({ encryptedRecipientData: fromHex('0102'), currentPathKey: G, amountMsat: 5n, cltv: 6, totalAmountMsat: 7n });
    const d = decodePayload(enc);
    expect(d).toMatchObject({ amtToForward: 5n, outgoingCltv: 6, totalAmountMsat: 7n, types: [2n, 4n, 10n, 12n, 18n] });
    expect(toHex(d.encryptedRecipientData!)).toBe('0102');
    expect(toHex(d.currentPathKey!)).toBe(toHex(G));
    expect(() => encodeBlindedHopPayload({ encryptedRecipientData: fromHex('01'), amountMsat: 5n })).toThrow(/total_amount_msat/);
    expect(() => decodePayload(fromHex('0c22' + toHex(G) + '00'))).toThrow(/trailing/);
  });
});

describe('onion message size (cln-offers-flow-digest §6.1)', () => {
  const withPayloadBytes = (n: number) => [new Uint8Array(n)];

  it('1300 while Σ(length + payload + 32) ≤ 1300, else 32768, else refused with the bytes over', () => {
    expect(onionMessageSize(withPayloadBytes(1300 - 32 - 3))).toBe(1300);
    expect(onionMessageSize(withPayloadBytes(1300 - 32 - 2))).toBe(32768);
    expect(onionMessageSize(withPayloadBytes(32768 - 32 - 3))).toBe(32768);
    try {
      onionMessageSize(withPayloadBytes(32768 - 32 - 3 + 10));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(OnionTooLarge);
      expect((e as OnionTooLarge).over).toBe(10);
      expect((e as Error).message).toMatch(/10 bytes over 32768/);
    }
  });

  it('a large invoice goes out as a 32834-byte packet that every hop peels; one that cannot fit is refused', () => {
    const their = buildBlindedPath([{ nodeId: pk(2), data: { nextNodeId: pk(3) } }, { nodeId: pk(3), data: { pathId: new Uint8Array(32) } }]);
    const big = buildOnionMessage({ route: [pk(1), pk(2)], path: their.path, payload: { invoice: new Uint8Array(5000).fill(3) } });
    expect(big.size).toBe(ONION_MESSAGE_LARGE);
    expect(big.message.packet.length).toBe(32834);
    let msg = big.message;
    for (const i of [1, 2]) {
      const s = peelOnionMessage(msg, sk(i));
      if (s.kind !== 'forward') throw new Error(`hop ${i}: ${JSON.stringify(s)}`);
      expect(s.message.packet.length).toBe(32834);
      msg = s.message;
    }
    const last = peelOnionMessage(msg, sk(3));
    expect(last.kind).toBe('deliver');
    if (last.kind === 'deliver') expect(last.payload.invoice).toEqual(new Uint8Array(5000).fill(3));
    expect(() => buildOnionMessage({ route: [pk(1), pk(2)], path: their.path, payload: { invoice: new Uint8Array(40000) } })).toThrow(/bytes over 32768/);
  });
});

describe('onion message when we are their introduction node (cln-offers-flow-digest §6.5, m = 0)', () => {
  it('the packet is their path alone, path_key their first_path_key', () => {
    const their = buildBlindedPath([{ nodeId: pk(1), data: { nextNodeId: pk(2) } }, { nodeId: pk(2), data: { pathId: fromHex('01') } }]);
    const sent = buildOnionMessage({ route: [pk(1)], path: their.path, payload: { invoiceError: fromHex('0500') } });
    expect(sent.ourPath).toBeUndefined();
    expect(sent.message.pathKey).toEqual(their.path.firstPathKey);
    expect(sent.hops.map((h) => h.pubkey)).toEqual(their.path.hops.map((h) => h.blindedNodeId));
    const at1 = peelOnionMessage(sent.message, sk(1));
    if (at1.kind !== 'forward') throw new Error(JSON.stringify(at1));
    const at2 = peelOnionMessage(at1.message, sk(2));
    expect(at2).toMatchObject({ kind: 'deliver', pathId: fromHex('01'), payload: { invoiceError: fromHex('0500') } });
    expect(() => buildOnionMessage({ route: [pk(3)], path: their.path, payload: {} })).toThrow(/first_node_id/);
  });
});

describe('onion message hop rules (bolt-digest §4.10)', () => {
  const deliverable = (first: EncryptedData) => {
    const their = buildBlindedPath([{ nodeId: pk(1), data: first }, { nodeId: pk(2), data: { pathId: fromHex('02') } }]);
    const sent = buildOnionMessage({ route: [pk(1)], path: their.path, payload: {} });
    return peelOnionMessage(sent.message, sk(1));
  };

  it('forwards by short_channel_id as well as by next_node_id', () => {
    const s = deliverable({ shortChannelId: { block: 800000, txIndex: 7, outputIndex: 1 } });
    expect(s).toMatchObject({ kind: 'forward', shortChannelId: { block: 800000, txIndex: 7, outputIndex: 1 } });
    if (s.kind === 'forward') expect(s.nextNodeId).toBeUndefined();
  });

  it('drops a non-final hop with path_id, payment fields, both or neither next hop, or a feature bit', () => {
    const scid = { block: 1, txIndex: 1, outputIndex: 1 };
    for (const [d, why] of [
      [{ nextNodeId: pk(2), pathId: fromHex('01') }, /path_id/],
      [{ nextNodeId: pk(2), paymentRelay: { cltvExpiryDelta: 1, feeProportionalMillionths: 1, feeBaseMsat: 1 } }, /payment_relay/],
      [{ nextNodeId: pk(2), paymentConstraints: { maxCltvExpiry: 1, htlcMinimumMsat: 1n } }, /payment_constraints/],
      [{ nextNodeId: pk(2), shortChannelId: scid }, /exactly one/],
      [{}, /exactly one/],
      [{ nextNodeId: pk(2), allowedFeatures: fromHex('80') }, /allowed_features/],
    ] as [EncryptedData, RegExp][]) {
      expect(deliverable(d)).toMatchObject({ kind: 'drop', reason: expect.stringMatching(why) });
    }
    // An empty allowed_features is fine.
    expect(deliverable({ nextNodeId: pk(2), allowedFeatures: new Uint8Array(0) }).kind).toBe('forward');
  });

  it('drops a non-final hop whose payload carries more than encrypted_recipient_data', () => {
    const their = buildBlindedPath([{ nodeId: pk(1), data: { nextNodeId: pk(2) } }, { nodeId: pk(2), data: {} }]);
    // Hand-built: hop 1's payload also has an invoice (type 66).
    const payloads = [
      encodeOnionMessagePayload({ encryptedRecipientData: their.path.hops[0].encryptedRecipientData, invoice: fromHex('00') }),
      encodeOnionMessagePayload({ encryptedRecipientData: their.path.hops[1].encryptedRecipientData }),
    ];
    const onion = buildOnion(sk(60), their.path.hops.map((h, i) => ({ pubkey: h.blindedNodeId, payload: withLength(payloads[i]) })), new Uint8Array(0)).onion;
    expect(peelOnionMessage({ pathKey: their.path.firstPathKey, packet: onion }, sk(1))).toMatchObject({ kind: 'drop', reason: expect.stringMatching(/besides encrypted_recipient_data/) });
  });
});
