// Properties of the host's route blinding (host/blinding/): paths of 1–10 hops
// built, then peeled hop by hop by independent per-hop keys (each hop reads
// its own encrypted data and nothing else); tampered data and wrong path keys
// fail at the right hop; the aggregated payinfo always covers every blinded
// forwarder's relay rule; payments through 0–3 clear hops into blinded paths
// of 1–4 hops arrive with the right amounts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { secp } from '../host/crypto/noble.js';
import {
  buildBlindedPath, unblindHop, BlindingError, buildOnionMessage, peelOnionMessage, aggregatePayinfo, amountIntoPath,
  relayForward, paymentPathData, buildBlindedPaymentOnion, receiveBlindedHtlc, encodeEncryptedData,
  type EncryptedData, type OnionMessage, type PaymentRelay, type BlindedHtlcStep,
} from '../host/blinding/index.js';
import { decodePayload } from '../host/onion/payload.js';

const keyOf = (seed: number, i: number) => sha256(Uint8Array.of(0x6b, seed & 0xff, (seed >> 8) & 0xff, i));
const pub = (k: Uint8Array) => secp.getPublicKey(k, true);

/** A path of n hops over independent keys with per-hop data (next_node_id, random padding, an unknown odd record, path_id at the end). */
const pathCase = fc.record({
  seed: fc.nat({ max: 0xffff }),
  n: fc.integer({ min: 1, max: 10 }),
  pad: fc.boolean(),
  extras: fc.array(fc.uint8Array({ minLength: 0, maxLength: 24 }), { minLength: 10, maxLength: 10 }),
  pathId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});

function makePath(c: fc.RecordValue<typeof pathCase> extends infer T ? T : never) {
  const secrets = Array.from({ length: c.n }, (_, i) => keyOf(c.seed, i));
  const data: EncryptedData[] = secrets.map((_, i) => (i < c.n - 1
    ? { nextNodeId: pub(secrets[i + 1]), unknown: [{ type: 65537n, value: c.extras[i] }] }
    : { pathId: c.pathId, padding: c.extras[i] }));
  const built = buildBlindedPath(secrets.map((k, i) => ({ nodeId: pub(k), data: data[i] })), { sessionKey: keyOf(c.seed, 200), pad: c.pad });
  return { secrets, data, built };
}

describe('blinded paths of 1–10 hops, peeled by independent per-hop keys', () => {
  it('each hop opens exactly its own data with the path key it is handed, and no other hop\'s', () => {
    fc.assert(fc.property(pathCase, (c) => {
      const { secrets, data, built } = makePath(c);
      const lens = new Set(built.hops.map((h) => h.plaintext.length));
      if (c.pad) expect(lens.size).toBe(1);
      let pathKey = built.path.firstPathKey;
      for (let i = 0; i < c.n; i++) {
        const hop = unblindHop(secrets[i], pathKey, built.path.hops[i].encryptedRecipientData);
        const { padding: _p, ...got } = hop.data;
        const { padding: _q, ...want } = data[i];
        expect(got).toEqual(want);
        expect(pub(hop.blindedSecret)).toEqual(built.path.hops[i].blindedNodeId);
        for (let j = 0; j < c.n; j++) {
          if (j === i) continue;
          expect(() => unblindHop(secrets[i], pathKey, built.path.hops[j].encryptedRecipientData)).toThrow(BlindingError);
        }
        pathKey = hop.nextPathKey;
      }
    }), { numRuns: 10 });
  });

  it('an onion message sent into the path is forwarded hop by hop and delivered with the path_id, each hop seeing only its data', () => {
    fc.assert(fc.property(pathCase, fc.uint8Array({ minLength: 1, maxLength: 300 }), (c, invreq) => {
      const { secrets, data, built } = makePath(c);
      const sender = keyOf(c.seed, 100);
      const sent = buildOnionMessage({ route: [pub(sender), pub(secrets[0])], path: built.path, payload: { invoiceRequest: invreq } });
      let msg: OnionMessage = sent.message;
      const order = [sender, ...secrets];
      for (let i = 0; i < order.length; i++) {
        const step = peelOnionMessage(msg, order[i]);
        if (i < order.length - 1) {
          if (step.kind !== 'forward') throw new Error(`hop ${i}: ${JSON.stringify(step)}`);
          expect(step.nextNodeId).toEqual(pub(order[i + 1]));
          if (i > 0) expect(encodeEncryptedData(step.data)).toEqual(built.hops[i - 1].plaintext);
          // Nobody else can peel what this hop forwards.
          if (i + 2 < order.length) expect(peelOnionMessage(step.message, order[i + 2]).kind).toBe('drop');
          msg = step.message;
        } else {
          if (step.kind !== 'deliver') throw new Error(`final: ${JSON.stringify(step)}`);
          expect(step.pathId).toEqual(c.pathId);
          expect(step.payload.invoiceRequest).toEqual(invreq);
          expect(step.data.pathId).toEqual(data[c.n - 1].pathId);
        }
      }
    }), { numRuns: 10 });
  });

  it('tampered encrypted data fails at that hop, a wrong path key at the hop handed it; earlier hops forward', () => {
    fc.assert(fc.property(pathCase, fc.nat(), fc.nat(), fc.boolean(), (c, hopPick, bytePick, wrongKey) => {
      const { secrets, built } = makePath(c);
      const k = hopPick % c.n;
      const path = { ...built.path, hops: built.path.hops.map((h) => ({ ...h })) };
      if (!wrongKey) {
        const enc = Uint8Array.from(path.hops[k].encryptedRecipientData);
        enc[bytePick % enc.length] ^= 1 + (bytePick % 255);
        path.hops[k].encryptedRecipientData = enc;
      }
      const sender = keyOf(c.seed, 100);
      let msg = buildOnionMessage({ route: [pub(sender), pub(secrets[0])], path, payload: {} }).message;
      const order = [sender, ...secrets];
      for (let i = 0; i <= k + 1; i++) {
        if (wrongKey && i === k + 1) msg = { ...msg, pathKey: pub(keyOf(c.seed, 150)) };
        const step = peelOnionMessage(msg, order[i]);
        if (i <= k) {
          if (step.kind !== 'forward') throw new Error(`hop ${i} should forward: ${JSON.stringify(step)}`);
          msg = step.message;
        } else {
          expect(step.kind).toBe('drop');
          if (!wrongKey && step.kind === 'drop') expect(step.reason).toMatch(/decrypt_failed/);
        }
      }
    }), { numRuns: 15 });
  });
});

const relayArb = fc.record({
  cltvExpiryDelta: fc.integer({ min: 0, max: 2016 }),
  feeProportionalMillionths: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 2_000_000 })),
  feeBaseMsat: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.nat({ max: 0xffffffff })),
});

describe('aggregated payinfo vs the forwarders\' relay rule', () => {
  it('the amount a sender computes with the aggregate reaches the recipient in full through every hop\'s ceiling relay', () => {
    fc.assert(fc.property(fc.array(relayArb, { minLength: 1, maxLength: 8 }), fc.bigInt({ min: 1n, max: 10n ** 13n }), fc.integer({ min: 0, max: 1_000_000 }), (relays: PaymentRelay[], amount, finalCltv) => {
      const agg = aggregatePayinfo(relays);
      let amt = amountIntoPath(amount, agg);
      let cltv = finalCltv + agg.cltvExpiryDelta;
      for (const r of relays) {
        const f = relayForward(amt, cltv, r)!;
        expect(f).toBeDefined();
        amt = f.amtToForward;
        cltv = f.outgoingCltv;
      }
      expect(amt >= amount).toBe(true);
      expect(cltv).toBe(finalCltv);
    }), { numRuns: 2000 });
  });
});

describe('payments through 0–3 clear hops into blinded paths of 1–4 hops', () => {
  const payCase = fc.record({
    seed: fc.nat({ max: 0xffff }),
    clear: fc.integer({ min: 0, max: 3 }),
    blinded: fc.integer({ min: 1, max: 4 }),
    relays: fc.array(relayArb.map((r) => ({ ...r, feeBaseMsat: r.feeBaseMsat % 5000, feeProportionalMillionths: r.feeProportionalMillionths % 3000 })), { minLength: 3, maxLength: 3 }),
    amount: fc.bigInt({ min: 1000n, max: 10n ** 10n }),
    total: fc.bigInt({ min: 0n, max: 10n ** 10n }),
  });

  it('every hop forwards what its relay rule gives, the final hop receives amount, total, cltv and its path_id', () => {
    fc.assert(fc.property(payCase, (c) => {
      const height = 800_000;
      const clearKeys = Array.from({ length: c.clear }, (_, i) => keyOf(c.seed, 50 + i));
      const blindKeys = Array.from({ length: c.blinded }, (_, i) => keyOf(c.seed, 80 + i));
      const pathId = sha256(keyOf(c.seed, 99));
      const pp = paymentPathData({
        hops: blindKeys.slice(0, -1).map((k, i) => ({ nodeId: pub(k), shortChannelId: { block: 1, txIndex: i, outputIndex: 0 }, relay: c.relays[i], htlcMinimumMsat: 1n })),
        finalNodeId: pub(blindKeys[c.blinded - 1]), pathId, finalMaxCltvExpiry: height + 2000, htlcMinimumMsat: 1n,
      });
      const path = buildBlindedPath(pp.hops, { pad: true }).path;
      const hash = sha256(pathId);
      const total = c.amount + c.total;
      const sent = buildBlindedPaymentOnion({
        clearHops: clearKeys.map((k, i) => ({ nodeId: pub(k), shortChannelId: Uint8Array.of(0, 0, 2, 0, 0, i, 0, 0), feeBaseMsat: 1000n, feePpm: 10n, cltvExpiryDelta: 40 })),
        path, payinfo: pp.payinfo, amountMsat: c.amount, totalAmountMsat: total, finalCltv: height + 18,
      }, hash);
      let onion = sent.onion;
      let amount = sent.firstAmountMsat;
      let cltv = sent.firstCltv;
      let pathKey: Uint8Array | undefined;
      for (let i = 0; i < c.clear; i++) {
        const s = receiveBlindedHtlc({ onion, paymentHash: hash, amountMsat: amount, cltvExpiry: cltv }, clearKeys[i]);
        if (s.kind !== 'clear' || !s.peel.ok || s.peel.final) throw new Error(`clear hop ${i}`);
        const p = decodePayload(s.peel.payload);
        // BOLT 4 clear forwarder: amount − fee ≥ amt_to_forward, cltv − delta ≥ outgoing.
        expect(amount - (1000n + (p.amtToForward! * 10n) / 1_000_000n)).toBeGreaterThanOrEqual(p.amtToForward!);
        expect(cltv - 40).toBeGreaterThanOrEqual(p.outgoingCltv!);
        onion = s.peel.next;
        amount = p.amtToForward!;
        cltv = p.outgoingCltv!;
      }
      for (let i = 0; i < c.blinded; i++) {
        const s: BlindedHtlcStep = receiveBlindedHtlc({ onion, paymentHash: hash, amountMsat: amount, cltvExpiry: cltv, pathKey }, blindKeys[i]);
        expect('role' in s && s.role).toBe(i === 0 ? 'introduction' : 'inner');
        if (i < c.blinded - 1) {
          if (s.kind !== 'forward') throw new Error(`blinded hop ${i}: ${JSON.stringify(s)}`);
          expect(s.shortChannelId).toEqual({ block: 1, txIndex: i, outputIndex: 0 });
          onion = s.next;
          amount = s.amtToForward;
          cltv = s.outgoingCltv;
          pathKey = s.nextPathKey;
        } else {
          if (s.kind !== 'receive') throw new Error(`final: ${JSON.stringify(s)}`);
          expect(s.amtToForward).toBe(c.amount);
          expect(amount >= c.amount).toBe(true);
          expect(s.totalAmountMsat).toBe(total);
          expect(s.outgoingCltv).toBe(height + 18);
          expect(cltv).toBe(height + 18);
          expect(s.pathId).toEqual(pathId);
        }
      }
    }), { numRuns: 25 });
  });
});
