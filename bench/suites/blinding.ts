// Route blinding (issue 10): the @noble reference (host/blinding/) for
//   - building a 3-hop blinded path (payment path data, padded),
//   - a 5-hop onion message (us → alice → bob = their introduction node →
//     carol → dave, CLN-style, with an invoice_request and a reply path),
//   - a payment onion of 3 clear + 3 blinded hops,
// each with fixed keys so a device implementation can be checked byte for
// byte against the same inputs. Device entries go next to these, under the
// same operation names, in deviceCases() below.
import { sha256 } from '@noble/hashes/sha2.js';
import { secp } from '../../host/crypto/noble.js';
import {
  buildBlindedPath, buildOnionMessage, buildBlindedPaymentOnion, paymentPathData,
  type BuiltOnionMessage, type PathHopInput, type BlindedPaymentInput,
} from '../../host/blinding/index.js';
import type { BenchCase, BenchSuite } from '../types.js';

const key = (i: number) => sha256(Uint8Array.of(0xbe, i));
const node = (i: number) => secp.getPublicKey(key(i), true);

/** The fixed inputs of every case: shared by the @noble entries and the device entries. */
export function blindingBenchInputs() {
  const pathSession = key(100);
  const onionSession = key(101);
  // 3-hop payment path: nodes 1 → 2 → 3, relays and constraints as a recipient writes them.
  const pp = paymentPathData({
    hops: [1, 2].map((n) => ({
      nodeId: node(n), shortChannelId: { block: 800_000, txIndex: n, outputIndex: 1 },
      relay: { cltvExpiryDelta: 40 + n, feeProportionalMillionths: 100 * n, feeBaseMsat: 1000 * n }, htlcMinimumMsat: 1000n,
    })),
    finalNodeId: node(3), pathId: sha256(Uint8Array.of(0x1d)), finalMaxCltvExpiry: 900_000, htlcMinimumMsat: 1000n, allowedFeatures: true,
  });
  const pathHops: PathHopInput[] = pp.hops;
  const paymentPath = buildBlindedPath(pathHops, { sessionKey: pathSession, pad: true }).path;
  // Their message path bob(12) → carol(13) → dave(14), and our route us(10) → alice(11) → bob.
  const theirs = buildBlindedPath([
    { nodeId: node(12), data: { nextNodeId: node(13) } },
    { nodeId: node(13), data: { nextNodeId: node(14) } },
    { nodeId: node(14), data: { pathId: sha256(Uint8Array.of(0x2d)) } },
  ], { sessionKey: key(102), pad: true }).path;
  const replyPath = buildBlindedPath([
    { nodeId: node(11), data: { nextNodeId: node(10) } },
    { nodeId: node(10), data: { pathId: sha256(Uint8Array.of(0x3d)) } },
  ], { sessionKey: key(103), pad: true }).path;
  const message = {
    route: [node(10), node(11), node(12)], path: theirs,
    payload: { invoiceRequest: new Uint8Array(300).fill(0x5a), replyPath },
    sessionKey: onionSession, pathSessionKey: key(104),
  };
  // Payment: clear hops 20, 21, 22 → the 3-hop payment path (introduction node 1).
  const payment: BlindedPaymentInput = {
    clearHops: [20, 21, 22].map((n, i) => ({
      nodeId: node(n), shortChannelId: Uint8Array.of(0x0c, 0x35, 0x00, 0, 0, i, 0, 1), feeBaseMsat: 1000n, feePpm: 10n, cltvExpiryDelta: 34,
    })),
    path: paymentPath, payinfo: pp.payinfo, amountMsat: 250_000_000n, finalCltv: 880_018,
  };
  const paymentHash = sha256(Uint8Array.of(0x4d));
  return { pathHops, pathSession, message, payment, paymentHash, onionSession };
}

/**
 * Device entries, added by the firmware side of issue 10: return cases with
 * impl 'firmware' and the names 'blinded-path-3-hops', 'onion-message-5-hops'
 * and 'payment-onion-3-clear-3-blinded', each checked byte for byte against
 * `reference` (the @noble results) before it is timed.
 */
function deviceCases(_inputs: ReturnType<typeof blindingBenchInputs>, _reference: Reference): BenchCase[] {
  return [];
}

interface Reference {
  path: ReturnType<typeof buildBlindedPath>;
  message: BuiltOnionMessage;
  payment: ReturnType<typeof buildBlindedPaymentOnion>;
}

export const blindingSuite: BenchSuite = {
  title: 'route blinding (vs first = ratio to @noble)',
  setup() {
    const i = blindingBenchInputs();
    const path = () => buildBlindedPath(i.pathHops, { sessionKey: i.pathSession, pad: true });
    const message = () => buildOnionMessage(i.message);
    const payment = () => buildBlindedPaymentOnion(i.payment, i.paymentHash, i.onionSession);
    const reference: Reference = { path: path(), message: message(), payment: payment() };
    if (reference.message.hops.length !== 5) throw new Error('blinding bench: the onion message should have 5 hops');
    if (reference.payment.hops.length !== 6) throw new Error('blinding bench: the payment onion should have 6 hops');
    return [
      { name: 'blinded-path-3-hops', impl: 'noble', fn: path },
      { name: 'onion-message-5-hops', impl: 'noble', fn: message, extra: { packet_bytes: reference.message.message.packet.length } },
      { name: 'payment-onion-3-clear-3-blinded', impl: 'noble', fn: payment },
      ...deviceCases(i, reference),
    ];
  },
};
