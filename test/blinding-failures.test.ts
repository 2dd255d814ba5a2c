// Failures inside blinded payment routes (BOLT 4 "Returning Errors", bolt-digest
// §4.5 and §4.8): the introduction node answers invalid_onion_blinding in a
// failure onion built with its shared secret (the origin decodes it to that
// hop); later blinded hops answer update_fail_malformed_htlc with
// invalid_onion_blinding; an introduction node that is also the recipient
// uses the final node's own codes.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex } from '@noble/hashes/utils.js';
import { secp } from '../host/crypto/noble.js';
import {
  buildBlindedPath, paymentPathData, buildBlindedPaymentOnion, receiveBlindedHtlc, blindedFailure, INVALID_ONION_BLINDING,
  unblindHop, buildOnionMessage, peelOnionMessage,
  type BlindedHtlcStep, type EncryptedData, type IncomingHtlc,
} from '../host/blinding/index.js';
import { buildOnion, decodeFailureOnion, wrapFailureOnion } from '../host/onion/sphinx.js';
import { encodeBlindedHopPayload, withLength } from '../host/onion/payload.js';
import type { BlindedPath } from '../host/bolt12/subtypes.js';

const key = (i: number) => sha256(Uint8Array.of(0xfa, i));
const pub = (i: number) => secp.getPublicKey(key(i), true);
const HEIGHT = 800_000;
const hash = sha256(Uint8Array.of(1, 2, 3));
const relay = { cltvExpiryDelta: 40, feeProportionalMillionths: 100, feeBaseMsat: 1000 };

/** Clear hop 0 → blinded path over nodes 1 (intro), 2, 3 (recipient). */
function setup(opts: { tamper?: number; mutate?: (d: EncryptedData[]) => void; blinded?: number } = {}) {
  const nodes = Array.from({ length: opts.blinded ?? 3 }, (_, i) => i + 1);
  const pp = paymentPathData({
    hops: nodes.slice(0, -1).map((n) => ({ nodeId: pub(n), shortChannelId: { block: 9, txIndex: n, outputIndex: 0 }, relay, htlcMinimumMsat: 5000n })),
    finalNodeId: pub(nodes[nodes.length - 1]), pathId: new Uint8Array(32).fill(7), finalMaxCltvExpiry: HEIGHT + 1000,
  });
  const data = pp.hops.map((h) => h.data);
  opts.mutate?.(data);
  const path: BlindedPath = buildBlindedPath(pp.hops.map((h, i) => ({ nodeId: h.nodeId, data: data[i] }))).path;
  if (opts.tamper !== undefined) {
    const enc = Uint8Array.from(path.hops[opts.tamper].encryptedRecipientData);
    enc[3] ^= 0x40;
    path.hops[opts.tamper].encryptedRecipientData = enc;
  }
  const sent = buildBlindedPaymentOnion({
    clearHops: [{ nodeId: pub(0), shortChannelId: new Uint8Array(8), feeBaseMsat: 0n, feePpm: 0n, cltvExpiryDelta: 0 }],
    path, payinfo: pp.payinfo, amountMsat: 100_000n, finalCltv: HEIGHT + 20,
  }, hash);
  return { sent, nodes, path };
}

/** Walks the HTLC from node 0; `at` lets a test change the HTLC a given node receives. Returns every step. */
function walk(sent: ReturnType<typeof setup>['sent'], nodes: number[], at?: (node: number, h: IncomingHtlc) => IncomingHtlc) {
  const steps: { node: number; htlc: IncomingHtlc; step: BlindedHtlcStep }[] = [];
  let h: IncomingHtlc = { onion: sent.onion, paymentHash: hash, amountMsat: sent.firstAmountMsat, cltvExpiry: sent.firstCltv };
  const first = receiveBlindedHtlc(h, key(0));
  if (first.kind !== 'clear' || !first.peel.ok || first.peel.final) throw new Error('clear hop');
  h = { onion: first.peel.next, paymentHash: hash, amountMsat: sent.introAmountMsat, cltvExpiry: sent.introCltv };
  for (const n of nodes) {
    if (at) h = at(n, h);
    const step = receiveBlindedHtlc(h, key(n), { height: HEIGHT });
    steps.push({ node: n, htlc: h, step });
    if (step.kind !== 'forward') break;
    h = { onion: step.next, paymentHash: hash, amountMsat: step.amtToForward, cltvExpiry: step.outgoingCltv, pathKey: step.nextPathKey };
  }
  return { steps, clearSecret: first.peel.sharedSecret };
}

const lastStep = (w: ReturnType<typeof walk>) => w.steps[w.steps.length - 1];

describe('invalid_onion_blinding inside blinded payment routes', () => {
  it('settles without faults (baseline)', () => {
    const { sent, nodes } = setup();
    const w = walk(sent, nodes);
    expect(lastStep(w).step).toMatchObject({ kind: 'receive', amtToForward: 100_000n });
  });

  it('introduction node: cltv above max_cltv_expiry → invalid_onion_blinding in a failure onion the origin attributes to it', () => {
    const { sent, nodes } = setup();
    const w = walk(sent, nodes, (n, h) => (n === 1 ? { ...h, cltvExpiry: HEIGHT + 5000 } : h));
    const s = lastStep(w);
    expect(s.node).toBe(1);
    if (s.step.kind !== 'fail' || s.step.via !== 'onion') throw new Error(JSON.stringify(s.step));
    expect(s.step.role).toBe('introduction');
    expect(s.step.code).toBe(INVALID_ONION_BLINDING);
    expect(s.step.rule).toMatch(/max_cltv_expiry/);
    // The clear hop wraps it; the origin finds hop 1 and code 0xc018 ‖ sha256(the onion node 1 received).
    const back = wrapFailureOnion(w.clearSecret, s.step.reason);
    const dec = decodeFailureOnion(sent.sharedSecrets, back)!;
    expect(dec.index).toBe(1);
    expect(toHex(dec.failuremsg)).toBe('c018' + toHex(sha256(s.htlc.onion)));
  });

  it('inner hop: amount below htlc_minimum_msat → update_fail_malformed_htlc invalid_onion_blinding', () => {
    const { sent, nodes } = setup();
    const w = walk(sent, nodes, (n, h) => (n === 2 ? { ...h, amountMsat: 4999n } : h));
    const s = lastStep(w);
    expect(s.node).toBe(2);
    expect(s.step).toMatchObject({ kind: 'fail', role: 'inner', via: 'malformed', code: 0xc018 });
    if (s.step.kind === 'fail' && s.step.via === 'malformed') expect(s.step.sha256OfOnion).toEqual(sha256(s.htlc.onion));
  });

  it('tampered encrypted data fails exactly at its hop (intro: onion; inner and final: malformed)', () => {
    for (const t of [0, 1, 2]) {
      const { sent, nodes } = setup({ tamper: t });
      const s = lastStep(walk(sent, nodes));
      expect(s.node).toBe(t + 1);
      expect(s.step).toMatchObject({ kind: 'fail', code: 0xc018, via: t === 0 ? 'onion' : 'malformed' });
    }
  });

  it('a wrong path_key at an inner hop fails there as malformed invalid_onion_blinding', () => {
    const { sent, nodes } = setup();
    const w = walk(sent, nodes, (n, h) => (n === 2 ? { ...h, pathKey: pub(42) } : h));
    expect(lastStep(w)).toMatchObject({ node: 2, step: { kind: 'fail', via: 'malformed', code: 0xc018 } });
  });

  it('reader rules: no payment_relay, both scid and next_node_id, an allowed feature bit, an expired constraint at the final hop', () => {
    const cases: [string, (d: EncryptedData[]) => void, number, RegExp][] = [
      ['no relay', (d) => delete d[1].paymentRelay, 2, /payment_relay/],
      ['both', (d) => (d[1].nextNodeId = pub(3)), 2, /both short_channel_id and next_node_id/],
      ['features', (d) => (d[0].allowedFeatures = Uint8Array.of(0, 1)), 1, /allowed_features/],
      ['final expired', (d) => (d[2].paymentConstraints!.maxCltvExpiry = HEIGHT), 3, /max_cltv_expiry/],
    ];
    for (const [name, mutate, node, rule] of cases) {
      const { sent, nodes } = setup({ mutate });
      const s = lastStep(walk(sent, nodes));
      expect(s.node, name).toBe(node);
      expect(s.step, name).toMatchObject({ kind: 'fail', code: 0xc018, via: node === 1 ? 'onion' : 'malformed' });
      if (s.step.kind === 'fail') expect(s.step.rule, name).toMatch(rule);
    }
  });

  it('introduction node that is the recipient uses the final node\'s codes', () => {
    const { sent, nodes } = setup({ blinded: 1 });
    const ok = lastStep(walk(sent, nodes));
    expect(ok.step).toMatchObject({ kind: 'receive', role: 'introduction' });
    const low = lastStep(walk(sent, nodes, (_, h) => ({ ...h, amountMsat: h.amountMsat - 1n })));
    // amount − 1 is still above the htlc minimum but below amt_to_forward: final_incorrect_htlc_amount (19).
    expect(low.step).toMatchObject({ kind: 'fail', role: 'introduction', via: 'onion', code: 19 });
    const late = lastStep(walk(sent, nodes, (_, h) => ({ ...h, cltvExpiry: HEIGHT + 5000 })));
    expect(late.step).toMatchObject({ kind: 'fail', via: 'onion', code: 0x400f });
    if (late.step.kind === 'fail' && late.step.via === 'onion') {
      expect(toHex(late.step.failuremsg)).toBe('400f' + (sent.introAmountMsat).toString(16).padStart(16, '0') + HEIGHT.toString(16).padStart(8, '0'));
    }
  });

  it('payload rules: intro without current_path_key, inner with extra fields, final without total_amount_msat', () => {
    const { path } = setup();
    const hops = (payloads: Uint8Array[]) => payloads.map((p, i) => ({ pubkey: i === 0 ? pub(1) : path.hops[i].blindedNodeId, payload: withLength(p) }));
    const enc = path.hops.map((h) => h.encryptedRecipientData);
    const run = (payloads: Uint8Array[]) => {
      const onion = buildOnion(key(77), hops(payloads), hash).onion;
      const steps: BlindedHtlcStep[] = [];
      let h: IncomingHtlc = { onion, paymentHash: hash, amountMsat: 200_000n, cltvExpiry: HEIGHT + 200 };
      for (let n = 1; n <= 3; n++) {
        const s = receiveBlindedHtlc(h, key(n), { height: HEIGHT });
        steps.push(s);
        if (s.kind !== 'forward') break;
        h = { onion: s.next, paymentHash: hash, amountMsat: s.amtToForward, cltvExpiry: s.outgoingCltv, pathKey: s.nextPathKey };
      }
      return steps;
    };
    const good = [
      encodeBlindedHopPayload({ encryptedRecipientData: enc[0], currentPathKey: path.firstPathKey }),
      encodeBlindedHopPayload({ encryptedRecipientData: enc[1] }),
      encodeBlindedHopPayload({ encryptedRecipientData: enc[2], amountMsat: 1n, cltv: 1, totalAmountMsat: 1n }),
    ];
    expect(run(good).at(-1)).toMatchObject({ kind: 'receive' });
    const noKey = run([encodeBlindedHopPayload({ encryptedRecipientData: enc[0] }), good[1], good[2]]);
    expect(noKey).toHaveLength(1);
    expect(noKey[0]).toMatchObject({ kind: 'fail', role: 'introduction', via: 'onion', code: 0xc018, rule: expect.stringMatching(/current_path_key/) });
    const extra = run([good[0], encodeBlindedHopPayload({ encryptedRecipientData: enc[1], amountMsat: 1n, cltv: 1, totalAmountMsat: 1n }), good[2]]);
    expect(extra.at(-1)).toMatchObject({ kind: 'fail', role: 'inner', via: 'malformed', rule: expect.stringMatching(/non-final blinded payload carries type 2/) });
    const noTotal = run([good[0], good[1], Uint8Array.from([...good[2].subarray(0, good[2].length - 3)])]);
    expect(noTotal.at(-1)).toMatchObject({ kind: 'fail', via: 'malformed', rule: 'no total_amount_msat' });
  });

  it('data that decrypts but is not a valid encrypted_data_tlv (unknown even type) fails at that hop', () => {
    const nodes = [1, 2];
    const path = buildBlindedPath([
      { nodeId: pub(1), data: Uint8Array.from([0x02, 0x08, 0, 0, 0, 0, 0, 0, 0, 1, 0x0a, 0x07, 0, 40, 0, 0, 0, 0, 1, 0x10, 0x00]) },
      { nodeId: pub(2), data: { pathId: Uint8Array.of(1) } },
    ]).path;
    expect(() => unblindHop(key(1), path.firstPathKey, path.hops[0].encryptedRecipientData)).toThrow(/bad_encrypted_data.*unknown even record type 16/);
    const sent = buildBlindedPaymentOnion({ clearHops: [], path, payinfo: { feeBaseMsat: 1, feeProportionalMillionths: 0, cltvExpiryDelta: 40 }, amountMsat: 1000n, finalCltv: HEIGHT }, hash);
    const s = receiveBlindedHtlc({ onion: sent.onion, paymentHash: hash, amountMsat: sent.firstAmountMsat, cltvExpiry: sent.firstCltv }, key(nodes[0]));
    expect(s).toMatchObject({ kind: 'fail', role: 'introduction', via: 'onion', code: 0xc018, rule: expect.stringMatching(/bad_encrypted_data/) });
    const msg = buildOnionMessage({ route: [pub(0), pub(1)], path, payload: {} }).message;
    const s0 = peelOnionMessage(msg, key(0));
    if (s0.kind !== 'forward') throw new Error('sender');
    expect(peelOnionMessage(s0.message, key(1))).toMatchObject({ kind: 'drop', reason: expect.stringMatching(/bad_encrypted_data/) });
  });

  it('next_path_key_override given as a field is refused before a path\'s last hop', () => {
    expect(() => buildBlindedPath([{ nodeId: pub(1), data: { nextPathKeyOverride: pub(5) } }, { nodeId: pub(2), data: {} }])).toThrow(/last hop/);
  });

  it('a failure coming back from downstream is turned into invalid_onion_blinding by the intro (onion) and inner hops (malformed)', () => {
    const onion = new Uint8Array(1366).fill(5);
    const ss = sha256(Uint8Array.of(9));
    const intro = blindedFailure('introduction', 'downstream failure', onion, ss);
    if (intro.via !== 'onion') throw new Error('intro');
    expect(decodeFailureOnion([ss], intro.reason)!.failuremsg).toEqual(Uint8Array.from([0xc0, 0x18, ...sha256(onion)]));
    expect(blindedFailure('inner', 'downstream failure', onion, ss)).toMatchObject({ via: 'malformed', code: 0xc018, sha256OfOnion: sha256(onion) });
  });
});
