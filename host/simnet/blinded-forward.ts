// Payments through blinded hops on the simulated network (bolt-digest §4.5
// reader rules, §4.6, §4.8 "inside blinded routes every error becomes
// invalid_onion_blinding"; cln-offers-flow-digest §6.6). Network.receive()
// hands every HTLC here first; host/blinding's receiveBlindedHtlc peels it
// (with the blinded key when update_add_htlc carried a path_key), opens the
// hop's encrypted_recipient_data, checks payment_constraints and the allowed
// payload fields and applies payment_relay. Then this node:
// - forwards over the channel named by short_channel_id (or to next_node_id),
//   passing the next path key in update_add_htlc (TLV 0), after its channel
//   checks (liquidity, peer online, htlc limits, expiry);
// - or, as the final hop, accepts the payment when the path_id is one it made
//   for that payment hash (CLN: path_id = H(invoice base secret ‖ payment_hash),
//   digest §7) and the invoice settles as a clear one would (amount, cltv, MPP).
// Failures: the introduction node returns invalid_onion_blinding in a failure
// onion (sha256 of the onion it received); inner blinded hops, the recipient
// included, update_fail_malformed_htlc with that code, which the previous
// blinded hop passes on as its own failure (the introduction node converts
// it). A recipient that is its own introduction node uses the final codes.
import { sha256 } from '@noble/hashes/sha2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { bytesToHex as toHex, concatBytes as concat, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { createFailureOnion, wrapFailureOnion } from '../onion/sphinx.js';
import { htlcAcceptedPayload, htlcHookAt, runHtlcHook } from './htlc-hook.js';
import { formatScid, type BlindedPayinfo } from '../bolt12/subtypes.js';
import { receiveBlindedHtlc, blindedFailure, type BlindedFailure, type BlindedRole } from '../blinding/forward.js';
import { paymentPathData } from '../blinding/payinfo.js';
import { buildBlindedPath, type BuiltPath } from '../blinding/path.js';
import type { PaymentRelay } from '../blinding/encrypted-data.js';
import { secp } from '../crypto/noble.js';
import { EXPIRY_SAFETY_BLOCKS, MAX_HTLC_CLTV, Network, type Htlc, type HtlcResult, type Invoice } from './network.js';
import { messengerOf, parseScid } from './onion-messages.js';

const enc = new TextEncoder();

/** A blinded failure as what goes back over the HTLC. */
const asResult = (f: BlindedFailure): HtlcResult =>
  f.via === 'malformed' ? { kind: 'malformed', code: f.code, sha256OfOnion: f.sha256OfOnion } : { kind: 'fail', reason: f.reason };

/**
 * makesecret (cln-rpc-digest §7.3 stand-in): a secret derived from the node's
 * key and `info` (HKDF-SHA256). Deterministic for a seed, like CLN's from its
 * hsm_secret.
 */
export const makeSecret = (net: Network, node: number, info: Uint8Array) => {
  const hsm = net.nodes[node].hsmSecret;
  // Node 0 on a CLN hsm_secret (--node0-hsm-secret): CLN's own derivation
  // (cln-rpc-digest §7.3: derived_secret = HKDF(hsm_secret, no salt,
  // "derived secrets"); makesecret = HKDF(derived_secret, no salt, info)), so
  // it agrees with a device provisioned with that hsm_secret.
  if (hsm) return hkdf(sha256, hkdf(sha256, hsm, undefined, enc.encode('derived secrets'), 32), undefined, info, 32);
  return hkdf(sha256, net.nodes[node].secret, enc.encode('lnsigner simnet makesecret'), info, 32);
};

/** lightningd's invoice path base = makesecret("bolt12-invoice-base"). */
const invoiceBase = (net: Network, node: number) => makeSecret(net, node, enc.encode('bolt12-invoice-base'));

/** Payment path_ids registered by tests (dev-simnet-blinded-invoice path_id): path_id hex → node and payment hash. */
const registered = new WeakMap<Network, Map<string, { node: number; paymentHash: string }>>();

/** Makes `node` accept payments for `paymentHash` through a path ending in `pathId` (besides the derived path_id). */
export function registerPaymentPath(net: Network, node: number, pathId: Uint8Array, paymentHash: string): void {
  let m = registered.get(net);
  if (!m) registered.set(net, (m = new Map()));
  m.set(toHex(pathId), { node, paymentHash });
}

/** Whether `pathId` at `node` belongs to `paymentHash`: H(invoice base ‖ hash), or registered for it. */
function pathIdFits(net: Network, node: number, pathId: Uint8Array | undefined, paymentHash: Uint8Array): boolean {
  if (!pathId) return false;
  const hex = toHex(pathId);
  if (pathId.length === 32 && hex === toHex(paymentPathId(net, node, paymentHash))) return true;
  const r = registered.get(net)?.get(hex);
  return r !== undefined && r.node === node && r.paymentHash === toHex(paymentHash);
}

/** digest §7: the final path_id of a payment path = H(invoice base ‖ payment_hash). */
export const paymentPathId = (net: Network, node: number, paymentHash: Uint8Array) => sha256(concat(invoiceBase(net, node), paymentHash));

/**
 * Network.receive()'s first step: undefined for an HTLC outside any blinded
 * route (the clear rules apply), else the outcome. Decides synchronously
 * (a forward is handed to sendHtlc before the first await).
 */
export function receiveBlinded(net: Network, at: number, h: Htlc): HtlcResult | Promise<HtlcResult> | undefined {
  const node = net.nodes[at];
  const height = net.heightAt(at);
  const step = receiveBlindedHtlc(
    { onion: h.onion, paymentHash: h.paymentHash, amountMsat: h.amountMsat, cltvExpiry: h.cltvExpiry, pathKey: h.pathKey },
    node.secret,
    { height },
  );
  const om = messengerOf(net);
  if (step.kind === 'clear') return undefined;
  if (step.kind === 'fail') {
    om.event({ node: at, from: h.from, kind: 'htlc_blinded_fail', reason: `${step.role}: ${step.rule}` });
    return asResult(step);
  }
  const bfail = (role: BlindedRole, rule: string, ss: Uint8Array): HtlcResult => {
    om.event({ node: at, from: h.from, kind: 'htlc_blinded_fail', reason: `${role}: ${rule}` });
    return asResult(blindedFailure(role, rule, h.onion, ss));
  };
  if (step.kind === 'receive') {
    const { role, sharedSecret: ss } = step;
    // Failures of the recipient: its own codes when it is the introduction node, else invalid_onion_blinding (malformed).
    const fail = (msg: Uint8Array): HtlcResult => {
      om.event({ node: at, from: h.from, kind: 'htlc_blinded_fail', reason: `${role}: final failure 0x${((msg[0] << 8) | msg[1]).toString(16)}` });
      return role === 'introduction' ? { kind: 'fail', reason: createFailureOnion(ss, msg) } : asResult(blindedFailure('inner', 'final failure', h.onion));
    };
    const unknown = () => fail(failureDetails(h.amountMsat, height));
    const own = (): HtlcResult | Promise<HtlcResult> => {
      // digest §7: lightningd accepts a blinded payment only if path_id = H(invoice base ‖ payment_hash) (or one a test registered).
      if (!pathIdFits(net, at, step.pathId, h.paymentHash)) return unknown();
      const inv = net.invoices.get(toHex(h.paymentHash));
      if (!inv || inv.node !== at) return unknown();
      om.event({ node: at, from: h.from, kind: 'htlc_blinded_receive', reason: role });
      // The path_id stands in for the payment secret (CLN stashes it in the payment-secret slot, digest §2.4).
      return net.settleFinal(at, h, {
        amtToForward: step.amtToForward,
        outgoingCltv: step.outgoingCltv,
        paymentSecret: fromHex(inv.paymentSecret),
        totalMsat: step.totalAmountMsat,
        types: [],
      }, fail);
    };
    // digest §2.4: a node with plugins runs htlc_accepted first (host/simnet/htlc-hook.ts); `continue` = its own lookup.
    if (!htlcHookAt(net, at)) return own();
    const payload = htlcAcceptedPayload(net, h, {
      payload: step.rawPayload ?? new Uint8Array(0),
      amtToForward: step.amtToForward,
      outgoingCltv: step.outgoingCltv,
      totalMsat: step.totalAmountMsat,
      // CLN: a 32-byte path_id of the final blinded hop is kept as the payment secret.
      paymentSecret: step.pathId?.length === 32 ? step.pathId : undefined,
      sharedSecret: ss,
    }, height);
    return (async (): Promise<HtlcResult> => {
      const v = await runHtlcHook(net, at, payload, h.paymentHash);
      if (v.kind === 'continue') return own();
      if (v.kind === 'resolve') {
        om.event({ node: at, from: h.from, kind: 'htlc_blinded_receive', reason: `${role}: htlc_accepted resolve` });
        return { kind: 'fulfill', preimage: v.preimage };
      }
      if (v.kind === 'fail') return fail(v.message);
      // failure_onion: lightningd obfuscates it once more with its shared secret; inside a blinded route
      // (a path_key came with the HTLC) every failure is invalid_onion_blinding.
      om.event({ node: at, from: h.from, kind: 'htlc_blinded_fail', reason: `${role}: htlc_accepted failure_onion` });
      return role === 'introduction' ? { kind: 'fail', reason: wrapFailureOnion(ss, v.onion) } : asResult(blindedFailure('inner', 'final failure', h.onion));
    })();
  }
  // Forward.
  const { role, sharedSecret: ss } = step;
  let out;
  if (step.shortChannelId) {
    const c = net.channel(formatScid(step.shortChannelId));
    out = c && Network.dirFrom(c, at) >= 0 ? c : undefined;
  } else {
    const id = toHex(step.nextNodeId!);
    const next = net.node(id);
    out = next ? net.channelsOf(at).find((c) => Network.dirFrom(c, next.index) >= 0 && net.spendable(c, at) >= step.amtToForward) ?? net.channelsOf(at).find((c) => Network.dirFrom(c, next.index) >= 0) : undefined;
  }
  // §4.8: unknown_next_peer — inside a blinded route, invalid_onion_blinding.
  if (!out) return bfail(role, 'unknown next peer', ss);
  const d = Network.dirFrom(out, at) as 0 | 1;
  const policy = out.sides[d];
  const next = out.sides[1 - d].node;
  // §4.8 expiry_too_soon / expiry_too_far — as invalid_onion_blinding.
  if (step.outgoingCltv <= height + EXPIRY_SAFETY_BLOCKS) return bfail(role, 'expiry too soon', ss);
  if (h.cltvExpiry > height + MAX_HTLC_CLTV) return bfail(role, 'expiry too far', ss);
  // §4.8 amount_below_minimum — as invalid_onion_blinding.
  if (step.amtToForward < policy.htlcMinMsat) return bfail(role, 'amount below the channel minimum', ss);
  // temporary_channel_failure (peer offline, over htlc_max, not enough balance) — as invalid_onion_blinding.
  if (!net.isOnline(next) || step.amtToForward > policy.htlcMaxMsat || net.spendable(out, at) < step.amtToForward) return bfail(role, 'temporary channel failure', ss);
  om.event({ node: at, from: h.from, kind: 'htlc_blinded_forward', to: next, reason: role });
  const channel = out;
  return (async () => {
    // §4.6: the next hop gets the next path key in update_add_htlc's blinded_path TLV.
    const r = await net.sendHtlc(at, channel, step.amtToForward, step.outgoingCltv, h.paymentHash, step.next, step.nextPathKey);
    if (r.kind === 'fulfill') return r;
    // §4.8: any failure from downstream becomes invalid_onion_blinding here (introduction: failure onion; inner: malformed).
    return bfail(role, `downstream failure (${r.kind})`, ss);
  })();
}

/** incorrect_or_unknown_payment_details: u16 code ‖ u64 htlc_msat ‖ u32 height. */
function failureDetails(amount: bigint, height: number): Uint8Array {
  const b = new Uint8Array(14);
  const v = new DataView(b.buffer);
  v.setUint16(0, 0x400f);
  v.setBigUint64(2, amount);
  v.setUint32(10, height);
  return b;
}

export interface PaymentPathOptions {
  /** The recipient's htlc_minimum_msat (the path's constraint is the largest along it). */
  htlcMinimumMsat?: bigint;
  /** The final hop's max_cltv_expiry (default height + 1008 + min_final_cltv_expiry, as CLN's slack). */
  maxCltvExpiry?: number;
  /** The invoice's preimage (default: the simnet's k-th preimage of the node). */
  preimage?: Uint8Array;
  /** A path_id to register for the payment hash instead of H(invoice base ‖ payment_hash). */
  pathId?: Uint8Array;
  /** The payinfo's htlc_maximum_msat (default: the 21 M BTC ceiling); payers split above it. */
  htlcMaximumMsat?: bigint;
}

export interface BlindedInvoice {
  invoice: Invoice;
  pathId: Uint8Array;
  built: BuiltPath;
  payinfo: BlindedPayinfo;
}

/** The non-final hops of a payment path through `hops` to `node`: each hop's
 *  channel to the next and that channel's relay policy (its own side). */
function relayHops(net: Network, node: number, hops: number[]) {
  const all = [...hops, node];
  return hops.map((n, i) => {
    const next = all[i + 1];
    const c = net.channelsOf(n).find((x) => Network.dirFrom(x, next) >= 0);
    if (!c) throw new RangeError(`no channel between ${net.nodes[n].alias} and ${net.nodes[next].alias}`);
    const p = c.sides[Network.dirFrom(c, n)];
    const relay: PaymentRelay = { cltvExpiryDelta: p.cltvDelta, feeProportionalMillionths: Number(p.feePpm), feeBaseMsat: Number(p.feeBaseMsat) };
    return { nodeId: point(net, n), shortChannelId: parseScid(c.scid), relay, htlcMinimumMsat: p.htlcMinMsat };
  });
}

/**
 * An invoice of `node` payable through a blinded payment path whose
 * introduction node is hops[0] (hops empty: `node` is its own introduction
 * node). Consecutive nodes must share a channel; each non-final hop's
 * payment_relay is its policy on that channel (digest §6.6 writer duties:
 * payment_constraints on every hop, max_cltv_expiry built backwards, payinfo
 * aggregated with min_final_cltv_expiry added).
 */
export function makeBlindedInvoice(
  net: Network, node: number, hops: number[], amountMsat: bigint, description: string, minFinalCltvExpiry: number, opts: PaymentPathOptions = {},
): BlindedInvoice {
  const pathHops = relayHops(net, node, hops);
  const invoice = net.createInvoice(node, amountMsat, description, minFinalCltvExpiry, opts.preimage);
  const pathId = opts.pathId ?? paymentPathId(net, node, fromHex(invoice.paymentHash));
  if (opts.pathId) registerPaymentPath(net, node, opts.pathId, invoice.paymentHash);
  const { hops: data, payinfo } = paymentPathData({
    hops: pathHops,
    finalNodeId: point(net, node),
    pathId,
    finalMaxCltvExpiry: opts.maxCltvExpiry ?? net.blockheight + 1008 + minFinalCltvExpiry,
    htlcMinimumMsat: opts.htlcMinimumMsat ?? 1n,
    minFinalCltvExpiryDelta: minFinalCltvExpiry,
    htlcMaximumMsat: opts.htlcMaximumMsat,
  });
  const built = buildBlindedPath(data);
  messengerOf(net).rememberPath(node, pathId);
  return { invoice, pathId, built, payinfo };
}

/**
 * Another blinded payment path (through `hops`) to an invoice made by
 * makeBlindedInvoice: same path_id, so the node takes payments through
 * either (an invoice with several invoice_paths, for MPP across paths).
 */
export function extraPaymentPath(
  net: Network, node: number, hops: number[], pathId: Uint8Array, minFinalCltvExpiry: number, opts: PaymentPathOptions = {},
): { built: BuiltPath; payinfo: BlindedPayinfo } {
  const pathHops = relayHops(net, node, hops);
  const { hops: data, payinfo } = paymentPathData({
    hops: pathHops,
    finalNodeId: point(net, node),
    pathId,
    finalMaxCltvExpiry: opts.maxCltvExpiry ?? net.blockheight + 1008 + minFinalCltvExpiry,
    htlcMinimumMsat: opts.htlcMinimumMsat ?? 1n,
    minFinalCltvExpiryDelta: minFinalCltvExpiry,
    htlcMaximumMsat: opts.htlcMaximumMsat,
  });
  return { built: buildBlindedPath(data), payinfo };
}

const point = (net: Network, n: number) => secp.Point.fromHex(net.nodes[n].id).toBytes(true);
