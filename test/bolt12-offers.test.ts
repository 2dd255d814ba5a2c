// Offers: every case of offers-test.json, plus one targeted case per reader
// rule (several official invalid cases fail for another reason than their
// description says, e.g. a missing length byte - see bolt-digest §2.13).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  Bolt12Error, Bolt12SemanticError, Bolt12StringError, TlvError,
  decodeOffer, decodeToJson, encodeBolt12String, encodeOffer, encodeTlvRecord, offerId, offerToString, parseTlvMessage,
  type OfferFields,
} from '../host/bolt12/index.js';

interface OfferCase { description: string; valid: boolean; bolt12: string; fields?: { type: number; length: number; hex: string }[] }
const cases: OfferCase[] = JSON.parse(readFileSync(new URL('./vectors/offers-test.json', import.meta.url), 'utf8'));

const ALICE = hex.decode('02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619');
const BOB = hex.decode('0324653eac434488002cc06bbfb7f10fe18991e35f9fe4302dbea6d2353dc0ab1c');
const KEY2 = new Uint8Array(33).fill(2);
const TESTNET = hex.decode('43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000');
const BITCOIN = hex.decode('6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000');

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const rec = (type: bigint | number, value: string | Uint8Array) =>
  encodeTlvRecord(BigInt(type), typeof value === 'string' ? hex.decode(value) : value);
const lno = (...records: Uint8Array[]) => encodeBolt12String('lno', concat(...records));
const DESC = rec(10, '54657374'); // "Test"
const ISSUER = rec(22, ALICE);
/** A one-hop blinded path value: first node id ‖ path key ‖ num_hops ‖ hops. */
const pathValue = (first: Uint8Array, key: Uint8Array, hops: Uint8Array[]) => concat(first, key, Uint8Array.of(hops.length), ...hops);
const hop = (id: Uint8Array, data: Uint8Array) => concat(id, Uint8Array.of(data.length >> 8, data.length & 0xff), data);

function layerOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof Bolt12Error) return `${e.layer}: ${e.message}`;
    throw e;
  }
  return 'ok';
}

describe('offers-test.json', () => {
  for (const c of cases.filter((x) => x.valid)) {
    it(`valid: ${c.description}`, () => {
      const offer = decodeOffer(c.bolt12);
      expect(offer.records.map((r) => ({ type: Number(r.type), length: r.value.length, hex: hex.encode(r.value) }))).toEqual(c.fields);
      // Writer: typed fields + unknown odd records give back the same bytes.
      expect(hex.encode(encodeOffer(offer.fields, offer.unknown))).toBe(hex.encode(offer.bytes));
      expect(offerToString(offer.fields, offer.unknown)).toBe(c.bolt12.toLowerCase());
      // Core Lightning's offer_id of a plain offer is SHA-256 of the whole stream.
      expect(hex.encode(offerId(offer.bytes))).toBe(hex.encode(sha256(offer.bytes)));
    });
  }
  for (const c of cases.filter((x) => !x.valid)) {
    it(`invalid: ${c.description}`, () => {
      expect(() => decodeOffer(c.bolt12)).toThrow(Bolt12Error);
    });
  }

  it('reports the real reason of the mislabelled invalid cases', () => {
    const why = (d: string) => layerOf(() => decodeOffer(cases.find((c) => c.description === d)!.bolt12));
    expect(why('Malformed: unknown even TLV type 78')).toMatch(/unknown even record type 72/);
    expect(why('Contains type > 1999999999')).toMatch(/^tlv: length \d+ exceeds/);
    expect(why('Contains unknown even type (1000000002)')).toMatch(/^tlv: length \d+ exceeds/);
    expect(why('Malformed: zero num_hops in blinded_path')).toMatch(/out of order/);
    expect(why('Bech32 padding exceeds 4-bit limit')).toMatch(/^string: .*padding/);
  });

  it('decodes the typed fields of the blinded-path cases', () => {
    const o = decodeOffer(cases.find((c) => c.description.startsWith('... and with second blinded path'))!.bolt12);
    const paths = o.fields.offer_paths!;
    expect(paths).toHaveLength(2);
    expect(paths[1].firstNodeId).toEqual({ direction: 1, scid: { block: 1, txIndex: 2, outputIndex: 3 } });
    expect(paths[0].hops.map((h) => h.encryptedRecipientData.length)).toEqual([16, 8]);
  });
});

describe('offer reader rules, one targeted case each', () => {
  const expectRejected = (text: string, layer: string, msg: RegExp) => {
    const r = layerOf(() => decodeOffer(text));
    expect(r.split(':')[0]).toBe(layer);
    expect(r).toMatch(msg);
  };

  it('accepts the base offer used below', () => {
    expect(decodeOffer(lno(DESC, ISSUER)).fields.offer_description).toBe('Test');
  });
  it('BOLT 1: unknown even type 78 (really 78) fails the stream', () => {
    expectRejected(lno(DESC, ISSUER, rec(78, '00')), 'tlv', /unknown even record type 78/);
  });
  it('range rule: unknown odd type 81 (>= 80) is outside the offer ranges', () => {
    expectRejected(lno(DESC, ISSUER, rec(81, '00')), 'semantic', /type 81 is outside the offer ranges/);
  });
  it('range rule: type 2000000001 (odd, properly fe-encoded) is outside the offer ranges', () => {
    expectRejected(lno(DESC, ISSUER, rec(2000000001n, '00')), 'semantic', /type 2000000001 is outside/);
  });
  it('unknown even experimental type 1000000002 (properly fe-encoded) fails the stream', () => {
    expectRejected(lno(DESC, ISSUER, rec(1000000002n, '00')), 'tlv', /unknown even record type 1000000002/);
  });
  it('zero num_hops in a well-framed path', () => {
    expectRejected(lno(DESC, rec(16, pathValue(BOB, KEY2, []))), 'semantic', /blinded path 0 has 0 hops/);
  });
  it('truncated onionmsg_hop in a well-framed path', () => {
    const bad = pathValue(BOB, KEY2, [hop(KEY2, new Uint8Array(16))]).subarray(0, 33 + 33 + 1 + 33 + 2 + 10);
    expectRejected(lno(DESC, rec(16, bad)), 'tlv', /encrypted_recipient_data truncated/);
  });
  it('first_node_id that is neither a direction nor a point', () => {
    const bad = pathValue(BOB, KEY2, [hop(KEY2, new Uint8Array(1))]);
    bad[0] = 5;
    expectRejected(lno(DESC, rec(16, bad)), 'tlv', /first_node_id starts with 0x05/);
  });
  it('first_node_id that is not on the curve', () => {
    const notOnCurve = concat(Uint8Array.of(2), new Uint8Array(32).fill(0xff));
    expectRejected(lno(DESC, rec(16, pathValue(notOnCurve, KEY2, [hop(KEY2, new Uint8Array(1))]))), 'tlv', /first_node_id is not a valid secp256k1 point/);
  });
  it('bad path key', () => {
    const bad = concat(Uint8Array.of(3), new Uint8Array(32).fill(0xff));
    expectRejected(lno(DESC, rec(16, pathValue(BOB, bad, [hop(KEY2, new Uint8Array(1))]))), 'tlv', /first_path_key is not a valid/);
  });
  it('bad blinded_node_id', () => {
    const bad = concat(Uint8Array.of(4), new Uint8Array(32).fill(1));
    expectRejected(lno(DESC, rec(16, pathValue(BOB, KEY2, [hop(bad, new Uint8Array(1))]))), 'tlv', /blinded_node_id is not a valid/);
  });
  it('unknown even feature bit (bit 2) rejects; odd bit 3 is ignored', () => {
    expectRejected(lno(DESC, rec(12, '04'), ISSUER), 'semantic', /unknown even feature bit 2/);
    expect(decodeOffer(lno(DESC, rec(12, '08'), ISSUER)).fields.offer_features).toEqual(Uint8Array.of(8));
  });
  it('chains: empty list rejects; unsupported chains reject when the reader says what it supports', () => {
    expectRejected(lno(rec(2, ''), DESC, ISSUER), 'semantic', /zero entries/);
    const testnetOffer = lno(rec(2, TESTNET), DESC, ISSUER);
    expect(() => decodeOffer(testnetOffer, { chains: [BITCOIN] })).toThrow(/none of the offer chains/);
    expect(decodeOffer(testnetOffer, { chains: [TESTNET] }).fields.offer_chains).toEqual([TESTNET]);
    expect(() => decodeOffer(lno(DESC, ISSUER), { chains: [TESTNET] })).toThrow(/none of the offer chains/);
  });
  it('amount without description, zero amount, currency without amount', () => {
    expectRejected(lno(rec(8, '64'), ISSUER), 'semantic', /offer_amount is set but offer_description is not/);
    expectRejected(lno(rec(8, ''), DESC, ISSUER), 'semantic', /offer_amount is zero/);
    expectRejected(lno(rec(6, '555344'), DESC, ISSUER), 'semantic', /offer_currency is set but offer_amount is not/);
  });
  it("text fields that are not UTF-8: refused by the reader; decode prints CLN's warning_invalid_<field>", () => {
    const badDesc = lno(rec(10, 'c0af'), ISSUER);
    expectRejected(badDesc, 'tlv', /not valid UTF-8/);
    expect(decodeToJson(badDesc).json).toMatchObject({ warning_invalid_offer_description: 'invalid UTF8', valid: false });
    expect(decodeToJson(badDesc).json).not.toHaveProperty('offer_description');
    const badIssuer = lno(DESC, rec(18, 'ff'), ISSUER);
    expect(decodeToJson(badIssuer).json).toMatchObject({ offer_description: 'Test', warning_invalid_offer_issuer: 'invalid UTF8', valid: false });
    // other malformed fields still refuse the string
    expect(() => decodeToJson(lno(rec(8, '0064'), DESC, ISSUER))).toThrow(/offer_amount not minimal/);
  });
  it('neither issuer id nor paths; an empty offer_paths is no path (lno1zqqq)', () => {
    expectRejected(lno(DESC), 'semantic', /neither offer_issuer_id nor a path in offer_paths/);
    expectRejected('lno1zqqq', 'semantic', /neither offer_issuer_id nor a path in offer_paths/);
    // decode prints it as Core Lightning's warning, valid false.
    expect(decodeToJson('lno1zqqq').json).toMatchObject({ offer_paths: [], warning_missing_offer_issuer_id: 'offers without an issuer_id or paths are invalid', valid: false });
    expect(decodeToJson(lno(DESC)).json).toMatchObject({ warning_missing_offer_issuer_id: expect.any(String), valid: false });
  });
  it('expiry is checked when the reader gives the time', () => {
    const text = lno(DESC, rec(14, '3e8'.padStart(4, '0')), ISSUER); // expires at 1000
    expect(() => decodeOffer(text, { now: 1001n })).toThrow(/expired/);
    expect(decodeOffer(text, { now: 1000n }).fields.offer_absolute_expiry).toBe(1000n);
  });
  it('BOLT 1 field encodings: non-minimal tu64, oversized tu64, short point, bad UTF-8', () => {
    expectRejected(lno(rec(8, '0064'), DESC, ISSUER), 'tlv', /offer_amount not minimal/);
    expectRejected(lno(rec(8, '010000000000000000'), DESC, ISSUER), 'tlv', /longer than 8 bytes/);
    expectRejected(lno(DESC, rec(22, ALICE.subarray(0, 32))), 'tlv', /offer_issuer_id truncated/);
    expectRejected(lno(rec(10, 'c0af'), ISSUER), 'tlv', /not valid UTF-8/);
    expectRejected(lno(rec(10, 'eda080'), ISSUER), 'tlv', /not valid UTF-8/); // encoded surrogate
    expectRejected(lno(DESC, rec(20, '00'), ISSUER), 'tlv', /offer_quantity_max not minimal/);
  });
  it('BOLT 1 framing: non-minimal type and length, duplicates, out of order, trailing bytes in a point', () => {
    expectRejected(lno(hex.decode('fd000a0454657374'), ISSUER), 'tlv', /type not minimally encoded/);
    expectRejected(lno(hex.decode('0afd00045465737 4'.replace(' ', '')), ISSUER), 'tlv', /length not minimally encoded/);
    expectRejected(lno(DESC, DESC, ISSUER), 'tlv', /duplicate record type 10/);
    expectRejected(lno(ISSUER, DESC), 'tlv', /out of order/);
    expectRejected(lno(DESC, rec(22, concat(ALICE, Uint8Array.of(0)))), 'tlv', /1 unexpected trailing bytes/);
  });
  it('string layer errors come before anything else', () => {
    expect(layerOf(() => decodeOffer('lnr1' + lno(DESC, ISSUER).slice(4)))).toMatch(/^string: expected an offer/);
  });
});

describe('offer writer', () => {
  it('writes canonical encodings and keeps unknown odd records byte for byte', () => {
    const fields: OfferFields = { offer_amount: 0x10000n, offer_description: 'coffee', offer_issuer_id: ALICE, offer_quantity_max: 0n };
    const unknown = [{ type: 1000000033n, value: hex.decode('68656c6c6f') }, { type: 33n, value: new Uint8Array() }];
    const bytes = encodeOffer(fields, unknown);
    const back = parseTlvMessage('offer', bytes);
    expect(back.fields).toEqual(fields);
    expect(back.unknown.map((r) => [r.type, hex.encode(r.raw)])).toEqual([[33n, '2100'], [1000000033n, 'fe3b9aca21056865' + '6c6c6f']]);
    expect(hex.encode(bytes)).toContain('0803010000'); // tu64 0x10000 in 3 bytes
    expect(hex.encode(bytes)).toContain('1400'); // quantity_max 0 = empty tu64
  });
  it('refuses to write an unknown even record or a duplicate type', () => {
    expect(() => encodeOffer({ offer_issuer_id: ALICE }, [{ type: 34n, value: new Uint8Array() }])).toThrow(/even/);
    expect(() => encodeOffer({ offer_issuer_id: ALICE }, [{ type: 22n, value: new Uint8Array() }])).toThrow(/known/);
  });
  it('upper case strings decode to the same offer', () => {
    const s = offerToString({ offer_description: 'x', offer_issuer_id: ALICE }, [], { upper: true });
    expect(s).toBe(s.toUpperCase());
    expect(decodeOffer(s).fields.offer_description).toBe('x');
    expect(() => decodeOffer(s.slice(0, 10) + s.slice(10).toLowerCase())).toThrow(Bolt12StringError);
  });
  it('semantic errors name the field', () => {
    try {
      decodeOffer(lno(rec(8, '64'), ISSUER));
    } catch (e) {
      expect(e).toBeInstanceOf(Bolt12SemanticError);
      expect((e as Bolt12SemanticError).field).toBe('offer_description');
    }
    try {
      decodeOffer(lno(DESC, rec(22, ALICE.subarray(0, 30))));
    } catch (e) {
      expect(e).toBeInstanceOf(TlvError);
      expect((e as TlvError).type).toBe(22n);
      expect((e as TlvError).field).toBe('offer_issuer_id');
    }
  });
});
