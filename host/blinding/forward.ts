// A node receiving an HTLC that may belong to a blinded route (bolt-digest §4.5
// reader rules, §4.8; BOLT 4 "Returning Errors"): it peels the onion (with its
// blinded key when the HTLC carried a path_key), opens its
// encrypted_recipient_data, checks payment_constraints / allowed_features and
// the payload's allowed fields, and computes the forward from payment_relay.
// Failures follow the blinded-route rules:
// - path_key in update_add_htlc (every hop after the introduction node,
//   final included): invalid_onion_blinding as update_fail_malformed_htlc
//   (sha256 of the onion received);
// - current_path_key in the payload and not the final node (the introduction
//   node): invalid_onion_blinding in a normal failure onion built with the
//   hop's shared secret;
// - introduction node that is also the final node: the final node's usual
//   codes, in a failure onion.
// Clear (unblinded) HTLCs are handed back to the caller's usual logic.
import { sha256 } from '@noble/hashes/sha2.js';
import { createFailureOnion, peel, type PeelResult } from '../onion/sphinx.js';
import { decodePayload, PayloadError, type DecodedPayload } from '../onion/payload.js';
import type { ShortChannelId } from '../bolt12/subtypes.js';
import { noFeatureBits, type EncryptedData } from './encrypted-data.js';
import { relayForward } from './payinfo.js';
import { failureMsg, FailCode } from '../simnet/wire.js';
import { BlindingError, blindingKeys, unblindHop } from './unblind.js';

/** BADONION|PERM|24. */
export const INVALID_ONION_BLINDING = FailCode.WIRE_INVALID_ONION_BLINDING;

/** Where the hop stands in the blinded route. */
export type BlindedRole = 'introduction' | 'inner';

export interface IncomingHtlc {
  onion: Uint8Array;
  paymentHash: Uint8Array;
  amountMsat: bigint;
  cltvExpiry: number;
  /** update_add_htlc's path_key (TLV 0), for every blinded hop after the introduction node. */
  pathKey?: Uint8Array;
}

/** How a failure goes back upstream. */
export type BlindedFailure =
  /** update_fail_malformed_htlc: code + sha256_of_onion (no failure onion). */
  | { kind: 'fail'; role: BlindedRole; rule: string; via: 'malformed'; code: number; sha256OfOnion: Uint8Array }
  /** update_fail_htlc: a failure onion built with this hop's shared secret. */
  | { kind: 'fail'; role: BlindedRole; rule: string; via: 'onion'; code: number; failuremsg: Uint8Array; reason: Uint8Array };

export type BlindedHtlcStep =
  /** Not part of a blinded route: the caller applies the clear-hop rules to this peel. */
  | { kind: 'clear'; peel: PeelResult }
  | {
    kind: 'forward';
    role: BlindedRole;
    /** Sphinx shared secret (to wrap failures coming back). */
    sharedSecret: Uint8Array;
    data: EncryptedData;
    shortChannelId?: ShortChannelId;
    nextNodeId?: Uint8Array;
    amtToForward: bigint;
    outgoingCltv: number;
    /** The onion and the path_key (update_add_htlc TLV 0) for the next hop. */
    next: Uint8Array;
    nextPathKey: Uint8Array;
  }
  | {
    kind: 'receive';
    role: BlindedRole;
    sharedSecret: Uint8Array;
    data: EncryptedData;
    pathId?: Uint8Array;
    amtToForward: bigint;
    outgoingCltv: number;
    totalAmountMsat: bigint;
    /** The hop payload as peeled (no length prefix), for lightningd's htlc_accepted hook. */
    rawPayload?: Uint8Array;
  }
  | BlindedFailure;


/**
 * The failure a blinded hop returns, for an error found here or coming back
 * from downstream: an introduction node wraps invalid_onion_blinding
 * (sha256 of the onion it received) in a failure onion with its shared
 * secret; an inner node answers update_fail_malformed_htlc with that code.
 */
export function blindedFailure(role: BlindedRole, rule: string, incomingOnion: Uint8Array, sharedSecret?: Uint8Array): BlindedFailure {
  const sha256OfOnion = sha256(incomingOnion);
  if (role === 'inner' || !sharedSecret) return { kind: 'fail', role, rule, via: 'malformed', code: INVALID_ONION_BLINDING, sha256OfOnion };
  const failuremsg = failureMsg.badOnion(INVALID_ONION_BLINDING, sha256OfOnion);
  return { kind: 'fail', role, rule, via: 'onion', code: INVALID_ONION_BLINDING, failuremsg, reason: createFailureOnion(sharedSecret, failuremsg) };
}

/** The final node's own failure (introduction node that is also the recipient): a normal failure onion. */
function finalFailure(rule: string, sharedSecret: Uint8Array, failuremsg: Uint8Array): BlindedFailure {
  const code = (failuremsg[0] << 8) | failuremsg[1];
  return { kind: 'fail', role: 'introduction', rule, via: 'onion', code, failuremsg, reason: createFailureOnion(sharedSecret, failuremsg) };
}

export interface ReceiveOptions {
  /** Block height (for incorrect_or_unknown_payment_details at a final introduction node). */
  height?: number;
}

/**
 * Processes an incoming HTLC at a node holding `nodeSecret` (§4.5 reader,
 * route blinding branch). Returns 'clear' for an HTLC outside any blinded
 * route, so the caller's usual checks (fees, channel) run on its peel.
 */
export function receiveBlindedHtlc(h: IncomingHtlc, nodeSecret: Uint8Array, opts: ReceiveOptions = {}): BlindedHtlcStep {
  if (h.pathKey) return receiveInner(h, nodeSecret);
  const p = peel(h.onion, nodeSecret, h.paymentHash);
  if (!p.ok) return { kind: 'clear', peel: p };
  let payload: DecodedPayload;
  try {
    payload = decodePayload(p.payload);
  } catch (e) {
    if (e instanceof PayloadError) return { kind: 'clear', peel: p };
    throw e;
  }
  if (!payload.encryptedRecipientData && !payload.currentPathKey) return { kind: 'clear', peel: p };
  const ss = p.sharedSecret;
  // BOLT 4: current_path_key set and not the final node ⇒ invalid_onion_blinding; the final node uses its own codes.
  const fail = (rule: string, finalMsg: Uint8Array): BlindedFailure =>
    p.final ? finalFailure(rule, ss, finalMsg) : blindedFailure('introduction', rule, h.onion, ss);
  const payloadFail = (rule: string, type: bigint) => fail(rule, failureMsg.invalidOnionPayload(type, 0));
  // §4.5: without a path_key in update_add_htlc, current_path_key MUST be present; encrypted data too.
  if (!payload.currentPathKey) return payloadFail('encrypted_recipient_data without current_path_key', 12n);
  if (!payload.encryptedRecipientData) return payloadFail('current_path_key without encrypted_recipient_data', 10n);
  return readBlinded(h, nodeSecret, payload.currentPathKey, payload, p, 'introduction', fail, payloadFail, opts);
}

/** A hop after the introduction node: peel with HMAC("blinded_node_id", ss)·k. */
function receiveInner(h: IncomingHtlc, nodeSecret: Uint8Array): BlindedHtlcStep {
  const fail = (rule: string) => blindedFailure('inner', rule, h.onion);
  let keys;
  try {
    keys = blindingKeys(nodeSecret, h.pathKey!);
  } catch {
    return fail('path_key is not a valid point');
  }
  // BOLT 4: with a path_key in update_add_htlc every error is invalid_onion_blinding (malformed).
  const p = peel(h.onion, keys.blindedSecret, h.paymentHash);
  if (!p.ok) return fail(`onion refused (0x${p.code.toString(16)})`);
  let payload: DecodedPayload;
  try {
    payload = decodePayload(p.payload);
  } catch {
    return fail('payload is not a valid TLV stream');
  }
  // §4.5: path_key in update_add_htlc ⇒ current_path_key MUST be absent.
  if (payload.currentPathKey) return fail('current_path_key as well as a path_key');
  if (!payload.encryptedRecipientData) return fail('no encrypted_recipient_data');
  return readBlinded(h, nodeSecret, h.pathKey!, payload, p, 'inner', (rule) => fail(rule), (rule) => fail(rule), {});
}

function readBlinded(
  h: IncomingHtlc, nodeSecret: Uint8Array, pathKey: Uint8Array, payload: DecodedPayload, p: Extract<PeelResult, { ok: true }>, role: BlindedRole,
  fail: (rule: string, finalMsg: Uint8Array) => BlindedFailure, payloadFail: (rule: string, type: bigint) => BlindedFailure, opts: ReceiveOptions,
): BlindedHtlcStep {
  const unknownDetails = () => failureMsg.incorrectOrUnknownPaymentDetails(h.amountMsat, opts.height ?? 0);
  let hop;
  try {
    hop = unblindHop(nodeSecret, pathKey, payload.encryptedRecipientData!);
  } catch (e) {
    // §4.5: MUST return an error if encrypted_recipient_data does not decrypt.
    if (e instanceof BlindingError) return payloadFail(e.message, 10n);
    throw e;
  }
  const d = hop.data;
  const c = d.paymentConstraints;
  // §4.5: expiry greater than payment_constraints.max_cltv_expiry ⇒ error.
  if (c && h.cltvExpiry > c.maxCltvExpiry) return fail('cltv_expiry above max_cltv_expiry', unknownDetails());
  // §4.5: amount below payment_constraints.htlc_minimum_msat ⇒ error.
  if (c && h.amountMsat < c.htlcMinimumMsat) return fail('amount below htlc_minimum_msat', unknownDetails());
  // §4.5: allowed_features with an unknown bit (even if odd) ⇒ error (missing = empty).
  if (!noFeatureBits(d.allowedFeatures)) return payloadFail('allowed_features has an unknown bit', 10n);
  // §4.5: both short_channel_id and next_node_id ⇒ error.
  if (d.shortChannelId && d.nextNodeId) return payloadFail('both short_channel_id and next_node_id', 10n);
  if (!p.final) {
    // §4.5 non-final: only encrypted_recipient_data and current_path_key in the payload.
    const extra = payload.types.find((t) => t !== 10n && t !== 12n);
    if (extra !== undefined) return payloadFail(`non-final blinded payload carries type ${extra}`, extra);
    // §4.5 non-final: short_channel_id or next_node_id, and payment_relay, are required.
    if (!d.shortChannelId && !d.nextNodeId) return payloadFail('neither short_channel_id nor next_node_id', 10n);
    if (!d.paymentRelay) return payloadFail('no payment_relay', 10n);
    // §4.5: amt_to_forward = ceil((amount − base)·10^6 / (10^6 + ppm)), outgoing = cltv − delta.
    const fwd = relayForward(h.amountMsat, h.cltvExpiry, d.paymentRelay);
    if (!fwd) return fail('amount does not cover fee_base_msat', unknownDetails());
    return {
      kind: 'forward', role, sharedSecret: p.sharedSecret, data: d, shortChannelId: d.shortChannelId, nextNodeId: d.nextNodeId,
      ...fwd, next: p.next, nextPathKey: hop.nextPathKey,
    };
  }
  // §4.5 final: only encrypted_recipient_data, current_path_key, amt_to_forward, outgoing_cltv_value, total_amount_msat.
  const extra = payload.types.find((t) => ![2n, 4n, 10n, 12n, 18n].includes(t));
  if (extra !== undefined) return payloadFail(`final blinded payload carries type ${extra}`, extra);
  // §4.5 final: amt_to_forward, outgoing_cltv_value and total_amount_msat are required.
  if (payload.amtToForward === undefined) return payloadFail('no amt_to_forward', 2n);
  if (payload.outgoingCltv === undefined) return payloadFail('no outgoing_cltv_value', 4n);
  if (payload.totalAmountMsat === undefined) return payloadFail('no total_amount_msat', 18n);
  // §4.5 final: incoming amount ≥ amt_to_forward; incoming cltv ≥ outgoing_cltv_value.
  if (h.amountMsat < payload.amtToForward) return fail('amount below amt_to_forward', failureMsg.finalIncorrectHtlcAmount(h.amountMsat));
  if (h.cltvExpiry < payload.outgoingCltv) return fail('cltv_expiry below outgoing_cltv_value', failureMsg.finalIncorrectCltvExpiry(h.cltvExpiry));
  return {
    kind: 'receive', role, sharedSecret: p.sharedSecret, data: d, pathId: d.pathId,
    amtToForward: payload.amtToForward, outgoingCltv: payload.outgoingCltv, totalAmountMsat: payload.totalAmountMsat,
    rawPayload: p.payload,
  };
}

