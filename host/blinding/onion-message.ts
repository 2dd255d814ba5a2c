// Onion messages (bolt-digest §4.10, cln-offers-flow-digest §6.1 and §6.5):
// the `onion_message` peer message (type 513: path_key ‖ u16 len ‖ packet),
// building a packet along our route into someone's blinded path exactly as
// Core Lightning's injectonionmessage does, and what a hop does with one
// (peel with its blinded key, read its own encrypted data, forward or deliver).
// Sphinx itself is host/onion/sphinx.ts with no associated data and a
// variable payload size.
import { concatBytes } from '@noble/hashes/utils.js';
import { buildOnion, OnionTooLarge, peel, type OnionHop } from '../onion/sphinx.js';
import { withLength } from '../onion/payload.js';
import { TlvError } from '../bolt12/errors.js';
import type { BlindedPath, ShortChannelId } from '../bolt12/subtypes.js';
import { noFeatureBits, type EncryptedData } from './encrypted-data.js';
import { decodeOnionMessagePayload, encodeOnionMessagePayload, type OnionMessagePayload } from './onionmsg-payload.js';
import { buildBlindedPath, type BuiltPath } from './path.js';
import { randomSessionKey } from './keys.js';
import { BlindingError, blindingKeys, unblindHop } from './unblind.js';

/** Peer message type of onion_message. */
export const ONION_MESSAGE_TYPE = 513;
/** §6.1: writers use 1300 routing bytes (1366-byte packet) … */
export const ONION_MESSAGE_SMALL = 1300;
/** … or 32768 (32834-byte packet) when the payloads need it. */
export const ONION_MESSAGE_LARGE = 32768;
/** version ‖ public_key ‖ … ‖ hmac around the routing bytes. */
const PACKET_OVERHEAD = 1 + 33 + 32;
const EMPTY = new Uint8Array(0);

/** An onion message as it travels between two peers. */
export interface OnionMessage {
  pathKey: Uint8Array;
  /** onion_message_packet: version ‖ public_key ‖ payloads ‖ hmac. */
  packet: Uint8Array;
}

/** The peer message: u16 type 513 ‖ path_key ‖ u16 len ‖ packet. */
export function encodeOnionMessage(m: OnionMessage): Uint8Array {
  if (m.packet.length > 0xffff) throw new RangeError('onion_message_packet longer than a u16 len');
  const head = Uint8Array.of(ONION_MESSAGE_TYPE >> 8, ONION_MESSAGE_TYPE & 0xff);
  return concatBytes(head, m.pathKey, Uint8Array.of(m.packet.length >> 8, m.packet.length & 0xff), m.packet);
}

/** Parses the peer message; undefined if the type, the length or the framing is wrong. */
export function decodeOnionMessage(b: Uint8Array): OnionMessage | undefined {
  if (b.length < 2 + 33 + 2 || ((b[0] << 8) | b[1]) !== ONION_MESSAGE_TYPE) return undefined;
  const len = (b[35] << 8) | b[36];
  if (b.length !== 37 + len) return undefined;
  return { pathKey: b.slice(2, 35), packet: b.slice(37) };
}

/** §6.1: 1300 when Σ(BigSize length + payload + 32) ≤ 1300, else 32768; beyond, throws OnionTooLarge (`over` = bytes over 32768). */
export function onionMessageSize(payloads: Uint8Array[]): number {
  const needed = payloads.reduce((n, p) => n + withLength(p).length + 32, 0);
  if (needed <= ONION_MESSAGE_SMALL) return ONION_MESSAGE_SMALL;
  if (needed <= ONION_MESSAGE_LARGE) return ONION_MESSAGE_LARGE;
  throw new OnionTooLarge(needed, ONION_MESSAGE_LARGE);
}

export interface SendOnionMessageInput {
  /** Our route [N_0 = us, …, N_m = their introduction node] (node ids). */
  route: Uint8Array[];
  /** Their blinded path P (its first node is N_m). */
  path: BlindedPath;
  /** The final payload (e.g. invoice_request + reply_path); P's last encrypted data is added to it. */
  payload: Omit<OnionMessagePayload, 'encryptedRecipientData'>;
  /** Sphinx session key (random when absent). */
  sessionKey?: Uint8Array;
  /** Session key of the path blinding our own hops (random when absent). */
  pathSessionKey?: Uint8Array;
}

export interface BuiltOnionMessage {
  /** What N_0 (us) receives first: injectonionmessage feeds it to our own node. */
  message: OnionMessage;
  /** The Sphinx hops (blinded node ids and length-prefixed payloads), in order. */
  hops: OnionHop[];
  /** Our own blinded prefix (absent when m = 0). */
  ourPath?: BuiltPath;
  /** Routing bytes chosen (1300 or 32768). */
  size: number;
  sharedSecrets: Uint8Array[];
}

/**
 * §6.5 (CLN outgoing_onion_message): encrypted data {next_node_id} for our
 * hops N_0 … N_{m−1}, the last of them also next_path_key_override =
 * P.first_path_key; blind them as a path of their own; drop N_m and append P's
 * hops unchanged; Sphinx over the blinded node ids with payloads carrying
 * only encrypted_recipient_data except the last (the final payload plus P's
 * last encrypted data); no associated data; size per §6.1. With m = 0 the
 * packet is P alone and path_key = P.first_path_key.
 */
export function buildOnionMessage(input: SendOnionMessageInput): BuiltOnionMessage {
  const { route, path } = input;
  if (route.length === 0) throw new RangeError('the route must start with our own node');
  if (path.hops.length === 0) throw new RangeError('the blinded path has no hops');
  const intro = route[route.length - 1];
  // The route must end at P's introduction node when P names it by node id.
  if ('pubkey' in path.firstNodeId && !equal(path.firstNodeId.pubkey, intro)) {
    throw new RangeError("the route does not end at the blinded path's first_node_id");
  }
  let ourPath: BuiltPath | undefined;
  const hopKeys: Uint8Array[] = [];
  const enc: Uint8Array[] = [];
  let pathKey = path.firstPathKey;
  if (route.length > 1) {
    const ours = route.slice(0, -1).map((nodeId, i) => ({
      nodeId,
      data: {
        nextNodeId: route[i + 1],
        ...(i === route.length - 2 ? { nextPathKeyOverride: path.firstPathKey } : {}),
      } as EncryptedData,
    }));
    ourPath = buildBlindedPath(ours, { sessionKey: input.pathSessionKey ?? randomSessionKey() });
    pathKey = ourPath.path.firstPathKey;
    for (const h of ourPath.path.hops) {
      hopKeys.push(h.blindedNodeId);
      enc.push(h.encryptedRecipientData);
    }
  }
  for (const h of path.hops) {
    hopKeys.push(h.blindedNodeId);
    enc.push(h.encryptedRecipientData);
  }
  const payloads = enc.map((e, i) =>
    i < enc.length - 1
      ? encodeOnionMessagePayload({ encryptedRecipientData: e })
      : encodeOnionMessagePayload({ ...input.payload, encryptedRecipientData: e }),
  );
  const size = onionMessageSize(payloads);
  const hops = hopKeys.map((pubkey, i) => ({ pubkey, payload: withLength(payloads[i]) }));
  const { onion, sharedSecrets } = buildOnion(input.sessionKey ?? randomSessionKey(), hops, EMPTY, size);
  return { message: { pathKey, packet: onion }, hops, ourPath, size, sharedSecrets };
}

/** What a hop does with an onion message. */
export type OnionMessageStep =
  | {
    kind: 'forward';
    /** The next peer: next_node_id, or short_channel_id (one end of which is the next peer). */
    nextNodeId?: Uint8Array;
    shortChannelId?: ShortChannelId;
    message: OnionMessage;
    data: EncryptedData;
    sharedSecret: Uint8Array;
  }
  | {
    kind: 'deliver';
    /** The final onionmsg_tlv (its encrypted_recipient_data included). */
    payload: OnionMessagePayload;
    data: EncryptedData;
    /** path_id of our own data, if any (CLN: 32 bytes ⇒ onion_message_recv_secret). */
    pathId?: Uint8Array;
    sharedSecret: Uint8Array;
  }
  | { kind: 'drop'; reason: string };

/**
 * §4.10 reader at a node holding `nodeSecret`: peel with the blinded key (no
 * associated data, payload size = len − 66, 0-length payloads legal), read the
 * onionmsg_tlv, open own encrypted data with the path key, then forward or
 * deliver; every violation drops the message (onion messages carry no errors).
 */
export function peelOnionMessage(m: OnionMessage, nodeSecret: Uint8Array): OnionMessageStep {
  const drop = (reason: string): OnionMessageStep => ({ kind: 'drop', reason });
  if (m.packet.length < PACKET_OVERHEAD) return drop('packet shorter than its header');
  let keys;
  try {
    keys = blindingKeys(nodeSecret, m.pathKey);
  } catch (e) {
    if (e instanceof BlindingError) return drop(e.message);
    throw e;
  }
  // §4.4 step 3 / §6.4: the blinded hop peels with HMAC("blinded_node_id", ss)·k; §4.10: no associated data.
  const p = peel(m.packet, keys.blindedSecret, EMPTY, m.packet.length - PACKET_OVERHEAD, 0);
  if (!p.ok) return drop(`onion refused (BOLT 4 code 0x${p.code.toString(16)})`);
  let payload: OnionMessagePayload;
  try {
    payload = decodeOnionMessagePayload(p.payload);
  } catch (e) {
    if (e instanceof TlvError) return drop(`onionmsg_tlv: ${e.message}`);
    throw e;
  }
  // §4.10: all onion messages are blinded: the hop reads encrypted_recipient_data with its path key.
  if (!payload.encryptedRecipientData) return drop('no encrypted_recipient_data');
  let hop;
  try {
    hop = unblindHop(nodeSecret, m.pathKey, payload.encryptedRecipientData);
  } catch (e) {
    if (e instanceof BlindingError) return drop(e.message);
    throw e;
  }
  const d = hop.data;
  // §6.2: payment_relay and payment_constraints are forbidden in onion-message data.
  if (d.paymentRelay || d.paymentConstraints) return drop('payment_relay or payment_constraints in onion-message data');
  // §4.10: allowed_features with an unknown bit (odd or even) ⇒ ignore the message.
  if (!noFeatureBits(d.allowedFeatures)) return drop('allowed_features has an unknown bit');
  if (p.final) return { kind: 'deliver', payload, data: d, pathId: d.pathId, sharedSecret: hop.sharedSecret };
  // §4.10: a non-final onionmsg_tlv with fields other than encrypted_recipient_data ⇒ ignore.
  const fields = encodeOnionMessagePayload({ ...payload, encryptedRecipientData: undefined });
  if (fields.length > 0) return drop('non-final payload has fields besides encrypted_recipient_data');
  // §4.10: path_id at a non-final hop ⇒ ignore.
  if (d.pathId) return drop('path_id at a non-final hop');
  // §6.2: exactly one of short_channel_id / next_node_id per non-final hop.
  if (!d.nextNodeId === !d.shortChannelId) return drop('needs exactly one of next_node_id and short_channel_id');
  return {
    kind: 'forward', nextNodeId: d.nextNodeId, shortChannelId: d.shortChannelId,
    message: { pathKey: hop.nextPathKey, packet: p.next }, data: d, sharedSecret: hop.sharedSecret,
  };
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
