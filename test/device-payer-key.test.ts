// payer_key (0x2A, issue 12; docs/protocol.md "payer_key") on the real
// firmware in-process: Core Lightning's fetchinvoice payer id, every key case
// against an independent @noble derivation (makesecret from the hsm_secret,
// then node key + SHA256(node-alias-base ‖ metadata)), the recurring metadata
// SHA256(base ‖ offer_id ‖ label) with CLN's published base, each key one
// sign_bolt12 then signs with, the bounds, and random payloads that never
// trap. The payer private key is not left in memory.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { encodeProvision, encodeSignBolt12, verifySignBolt12Reply } from '../host/device-client/requests.js';
import { decodePayerKeyReply, encodePayerKey, type PayerKeyQuery } from '../host/device-client/payer-key-requests.js';
import { secp } from '../host/crypto/noble.js';
import { ascii, cat, h, x } from './helpers/bytes.js';
import { chipCall, powerUp, refusalOf, type Chip } from './helpers/chip.js';
import { INVREQ, keyCases, payerKeyRef, unsigned, vectors, withRecord } from './helpers/device-requests.js';

const N = secp.Point.CURVE().n;
const big = (b: Uint8Array) => BigInt('0x' + (x(b) || '0'));

function provisioned(file: Uint8Array): Chip {
  const flash = new MemoryFlash();
  chipCall(powerUp(flash), P.MSG_PROVISION, encodeProvision({ hsmSecret: file, network: 'regtest' }));
  return powerUp(flash);
}

const ask = (c: Chip, q: PayerKeyQuery) => decodePayerKeyReply(q, chipCall(c, P.MSG_PAYER_KEY, encodePayerKey(q)));

/** CLN digest §7.4 from a published base: node_id + SHA256(base ‖ metadata)·G. */
function payerIdFromBase(nodeId: string, base: Uint8Array, metadata: Uint8Array): string {
  const t = big(sha256(cat(base, metadata))) % N;
  return x(secp.Point.fromBytes(h(nodeId)).add(secp.Point.BASE.multiply(t)).toBytes(true));
}

// Every key case the device can be provisioned with (a file), with CLN's published makesecret.
const FILE_CASES = keyCases.map((k, i) => ({ k, v: vectors.key_cases[i] })).filter(({ k, v }) => k.file.length > 0 && v.makesecret);

describe('payer_key: the payer id of a metadata (mode 1)', () => {
  it("reproduces Core Lightning's fetchinvoice payer id (lightning-1's published example)", () => {
    const v = vectors.key_cases[0];
    const c = provisioned(keyCases[0].file);
    for (const ex of v.payer_key_examples) {
      const r = ask(c, { metadata: h(ex.invreq_metadata_hex) });
      expect(x(r.payerId)).toBe(ex.invreq_payer_id);
      expect(x(r.metadata)).toBe(ex.invreq_metadata_hex);
    }
  });

  for (const { k, v } of FILE_CASES) {
    it(`${k.name}: node key + SHA256(makesecret("node-alias-base") ‖ metadata), 1..8188 bytes`, () => {
      const c = provisioned(k.file);
      const base = h(v.makesecret['node-alias-base']);
      for (const m of [h('00'), h('c15842a4877db5b1c15842a4877db5b1'), new Uint8Array(32).fill(0xab), ascii('x'.repeat(300)), new Uint8Array(P.PAYER_KEY_METADATA_MAX).fill(7)]) {
        const got = x(ask(c, { metadata: m }).payerId);
        // Two independent references: the makesecret derivation from the
        // secret data, and CLN's published base for this secret.
        expect(got).toBe(payerKeyRef(k.secretData, k.nodePriv, m).id);
        expect(got).toBe(payerIdFromBase(k.nodeId, base, m));
        expect(got).not.toBe(k.nodeId);
      }
    });
  }

  it('is a key sign_bolt12 signs an invoice_request with (the same derivation), and deterministic', () => {
    const k = keyCases[0];
    const c = provisioned(k.file);
    for (const m of [h('01'), new Uint8Array(16).fill(9)]) {
      const { payerId } = ask(c, { metadata: m });
      expect(x(ask(c, { metadata: m }).payerId)).toBe(x(payerId));
      const tlv = withRecord(withRecord(unsigned(INVREQ), 0n, m), 88n, payerId);
      const s = verifySignBolt12Reply('invoice_request', tlv, chipCall(c, P.MSG_SIGN_BOLT12, encodeSignBolt12('invoice_request', 'signature', tlv)));
      expect(s.keyKind).toBe('payer');
      expect(x(s.publicKey)).toBe(x(payerId));
    }
  });
});

describe('payer_key: a recurring series (mode 2)', () => {
  const offerId = sha256(ascii('some offer'));
  for (const { k, v } of FILE_CASES) {
    it(`${k.name}: metadata = SHA256(base ‖ offer_id ‖ label), its payer id; one per (offer, label)`, () => {
      const c = provisioned(k.file);
      const base = h(v.makesecret['node-alias-base']);
      const seen = new Set<string>();
      for (const label of ['', 'rent', 'gym', 'ünïcödé ₿', 'l'.repeat(P.PAYER_KEY_LABEL_MAX)]) {
        const r = ask(c, { offerId, recurrenceLabel: label });
        const meta = sha256(cat(base, offerId, new TextEncoder().encode(label)));
        expect(x(r.metadata)).toBe(x(meta));
        expect(x(r.payerId)).toBe(payerIdFromBase(k.nodeId, base, meta));
        expect(x(r.payerId)).toBe(payerKeyRef(k.secretData, k.nodePriv, meta).id);
        // Mode 1 on that metadata gives the same key (what sign_bolt12 checks).
        expect(x(ask(c, { metadata: r.metadata }).payerId)).toBe(x(r.payerId));
        seen.add(x(r.payerId));
      }
      expect(seen.size).toBe(5);
      const other = ask(c, { offerId: sha256(ascii('another offer')), recurrenceLabel: 'rent' });
      expect(seen.has(x(other.payerId))).toBe(false);
    });
  }
});

describe('payer_key: bounds, refusals, never a trap', () => {
  const k = keyCases[0];
  const c = provisioned(k.file);
  const code = (payload: Uint8Array) => refusalOf(() => chipCall(c, P.MSG_PAYER_KEY, payload));

  it('refuses what is not a payer_key payload with ERR_BAD_PAYLOAD (detail: 0 mode, 1 metadata length, 2 series length)', () => {
    const cases: [Uint8Array, number][] = [
      [new Uint8Array(0), 0], [Uint8Array.of(0, 1, 2), 0], [Uint8Array.of(3, 1), 0], [Uint8Array.of(0xff), 0],
      [Uint8Array.of(P.PAYER_KEY_METADATA), 1], [cat(Uint8Array.of(1), new Uint8Array(P.PAYER_KEY_METADATA_MAX + 1)), 1],
      [Uint8Array.of(P.PAYER_KEY_RECURRING), 2], [cat(Uint8Array.of(2), new Uint8Array(31)), 2],
      [cat(Uint8Array.of(2), new Uint8Array(32 + P.PAYER_KEY_LABEL_MAX + 1)), 2],
    ];
    for (const [p, d] of cases) {
      const e = code(p);
      expect([e.code, e.detail], x(p.subarray(0, 8))).toEqual([P.ERR_BAD_PAYLOAD, d]);
    }
    // The exact edges are accepted.
    expect(chipCall(c, P.MSG_PAYER_KEY, cat(Uint8Array.of(2), new Uint8Array(32))).length).toBe(P.PAYER_KEY_REPLY_RECURRING);
    expect(chipCall(c, P.MSG_PAYER_KEY, Uint8Array.of(1, 0)).length).toBe(P.PAYER_KEY_REPLY_METADATA);
  });

  it('needs a provisioned device (ERR_NOT_PROVISIONED)', () => {
    const fresh = powerUp(new MemoryFlash());
    expect(refusalOf(() => chipCall(fresh, P.MSG_PAYER_KEY, Uint8Array.of(1, 1))).code).toBe(P.ERR_NOT_PROVISIONED);
  });

  it('random payloads: a reply of the mode\'s size matching the reference, or ERR_BAD_PAYLOAD; never a trap', () => {
    // Data lengths drawn uniformly (fast-check's sizes favour short arrays),
    // around the series' 32-byte offer_id and the label bound too.
    const sized = (min: number, max: number) => fc.integer({ min, max }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
    const withMode = (modes: number[], data: fc.Arbitrary<Uint8Array>) => fc.tuple(fc.constantFrom(...modes), data).map(([m, d]) => cat(Uint8Array.of(m), d));
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      withMode([0, 1, 2, 3, 0xff], sized(0, 1200)),
      withMode([2], sized(28, 40)),
      withMode([2], sized(32 + P.PAYER_KEY_LABEL_MAX - 4, 32 + P.PAYER_KEY_LABEL_MAX + 4)),
    );
    let replies = 0;
    fc.assert(fc.property(payload, (p) => {
      const f = c.request(P.MSG_PAYER_KEY, p);
      const good = (p[0] === 1 && p.length >= 2) || (p[0] === 2 && p.length >= 33 && p.length <= 33 + P.PAYER_KEY_LABEL_MAX);
      if (!good) {
        expect(f.type).toBe(P.MSG_ERROR);
        expect(f.payload[P.ERROR_OFF_CODE]).toBe(P.ERR_BAD_PAYLOAD);
        return;
      }
      expect(f.type).toBe(P.MSG_PAYER_KEY | P.MSG_REPLY);
      replies++;
      if (p[0] === 1) {
        expect(x(f.payload)).toBe(payerKeyRef(k.secretData, k.nodePriv, p.subarray(1)).id);
      } else {
        const base = h(vectors.key_cases[0].makesecret['node-alias-base']);
        const meta = sha256(cat(base, p.subarray(1)));
        expect(x(f.payload)).toBe(x(meta) + payerKeyRef(k.secretData, k.nodePriv, meta).id);
      }
    }), { numRuns: 300 });
    expect(replies).toBeGreaterThan(50);
    expect(x(chipCall(c, P.MSG_PING, Uint8Array.of(7)))).toBe('07');
  });

  it('leaves no copy of the payer private key in memory', () => {
    for (const m of [h('aa'), new Uint8Array(16).fill(0x5c)]) {
      chipCall(c, P.MSG_PAYER_KEY, cat(Uint8Array.of(1), m));
      const priv = Buffer.from(payerKeyRef(k.secretData, k.nodePriv, m).priv);
      expect(Buffer.from(c.fw.bytes()).indexOf(priv.subarray(0, 16))).toBe(-1);
      expect(Buffer.from(c.fw.bytes()).indexOf(priv.subarray(16))).toBe(-1);
    }
  });
});
