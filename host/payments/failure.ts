// Turning a failed HTLC into Core Lightning's routing-failure fields
// (cln-rpc-digest §5.6; bolt-digest §4.8–4.9): the failure onion is decoded
// with the part's stored shared secrets (origin side of BOLT 4 "Returning
// Errors"), the erring hop gives erring_index/erring_node/erring_channel, and
// the failcode's BADONION/PERM bits pick 202/203/204.
import { decodeFailureOnion } from '../onion/sphinx.js';
import type { PaymentFailure, PaymentRecord } from '../store/index.js';
import { PayCode } from './rules.js';

const BADONION = 0x8000;
const PERM = 0x4000;
const NODE = 0x2000;
const UPDATE = 0x1000;

/** BOLT 4 failure codes and their CLN names (wire/onion_wire.csv). */
export const FAILCODE_NAMES: Record<number, string> = {
  [PERM | 1]: 'WIRE_INVALID_REALM',
  [NODE | 2]: 'WIRE_TEMPORARY_NODE_FAILURE',
  [PERM | NODE | 2]: 'WIRE_PERMANENT_NODE_FAILURE',
  [PERM | NODE | 3]: 'WIRE_REQUIRED_NODE_FEATURE_MISSING',
  [BADONION | PERM | 4]: 'WIRE_INVALID_ONION_VERSION',
  [BADONION | PERM | 5]: 'WIRE_INVALID_ONION_HMAC',
  [BADONION | PERM | 6]: 'WIRE_INVALID_ONION_KEY',
  [UPDATE | 7]: 'WIRE_TEMPORARY_CHANNEL_FAILURE',
  [PERM | 8]: 'WIRE_PERMANENT_CHANNEL_FAILURE',
  [PERM | 9]: 'WIRE_REQUIRED_CHANNEL_FEATURE_MISSING',
  [PERM | 10]: 'WIRE_UNKNOWN_NEXT_PEER',
  [UPDATE | 11]: 'WIRE_AMOUNT_BELOW_MINIMUM',
  [UPDATE | 12]: 'WIRE_FEE_INSUFFICIENT',
  [UPDATE | 13]: 'WIRE_INCORRECT_CLTV_EXPIRY',
  [UPDATE | 14]: 'WIRE_EXPIRY_TOO_SOON',
  [PERM | 15]: 'WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS',
  18: 'WIRE_FINAL_INCORRECT_CLTV_EXPIRY',
  19: 'WIRE_FINAL_INCORRECT_HTLC_AMOUNT',
  [UPDATE | 20]: 'WIRE_CHANNEL_DISABLED',
  21: 'WIRE_EXPIRY_TOO_FAR',
  [PERM | 22]: 'WIRE_INVALID_ONION_PAYLOAD',
  23: 'WIRE_MPP_TIMEOUT',
  [BADONION | PERM | 24]: 'WIRE_INVALID_ONION_BLINDING',
};

export const failcodeName = (code: number): string | undefined => FAILCODE_NAMES[code];

/** BOLT 7 channel direction bit: 0 when `from` is node_1 (the lesser id). */
export const channelDirection = (from: string, to: string): number => (from < to ? 0 : 1);

/** The part's route and our own node id (erring_index 0 = us). */
export interface RouteInfo {
  ourId: string;
  nodes: string[];
  channels: string[];
}

export const routeOf = (p: PaymentRecord, ourId: string): RouteInfo => ({ ourId, nodes: p.routeNodes, channels: p.routeChannels });

/**
 * §5.6: the failure fields for a failure message from the node at
 * `erringIndex` (0 = us, i = route.nodes[i-1]). From the final node:
 * BADONION ⇒ 202, PERM ⇒ 203, else 204; from anyone else 204 with the
 * channel after the erring node (BADONION codes blame the next node).
 */
export function classify(route: RouteInfo, erringIndex: number, failcode: number, rawMessage: string | undefined, local: boolean): PaymentFailure {
  const n = route.nodes.length;
  const name = failcodeName(failcode);
  const label = name ?? `${failcode}`;
  const f: PaymentFailure = {
    code: PayCode.PAY_TRY_OTHER_ROUTE,
    message: `failed: ${label} (${local ? 'local failure' : 'reply from remote'})`,
    erringIndex,
    failcode,
    failcodename: name,
    rawMessage,
  };
  const nodeAt = (i: number) => (i === 0 ? route.ourId : route.nodes[i - 1]);
  if (erringIndex === 0) {
    // Our own channel refused it: 204, erring node = us, the first channel.
    f.erringNode = route.ourId;
    f.erringChannel = route.channels[0];
    f.erringDirection = channelDirection(route.ourId, route.nodes[0]);
  } else if (erringIndex === n) {
    // The final destination.
    if (failcode & BADONION) f.code = PayCode.PAY_UNPARSEABLE_ONION;
    else if (failcode & PERM) f.code = PayCode.PAY_DESTINATION_PERM_FAIL;
    f.erringNode = route.nodes[n - 1];
    f.erringChannel = route.channels[n - 1];
    f.erringDirection = channelDirection(nodeAt(n - 1), route.nodes[n - 1]);
  } else {
    // An intermediate node: the channel out of it (route[erringIndex]).
    const from = nodeAt(erringIndex);
    const to = route.nodes[erringIndex];
    f.erringNode = failcode & BADONION ? to : from;
    f.erringChannel = route.channels[erringIndex];
    f.erringDirection = channelDirection(from, to);
  }
  for (const k of Object.keys(f) as (keyof PaymentFailure)[]) if (f[k] === undefined) delete f[k];
  return f;
}

/**
 * Decodes a failure onion (update_fail_htlc reason) with the part's shared
 * secrets. Undecodable ⇒ 202 "Malformed error reply" with the onion kept
 * (listsendpays `erroronion`, waitsendpay `onionreply`).
 */
export function decodeFailure(route: RouteInfo, sharedSecrets: string[], onionreply: string): PaymentFailure {
  const d = decodeFailureOnion(sharedSecrets.map((s) => Uint8Array.from(Buffer.from(s, 'hex'))), Uint8Array.from(Buffer.from(onionreply, 'hex')));
  if (!d || d.failuremsg.length < 2) {
    return { code: PayCode.PAY_UNPARSEABLE_ONION, message: 'Malformed error reply', erroronion: onionreply };
  }
  const failcode = (d.failuremsg[0] << 8) | d.failuremsg[1];
  return classify(route, d.index + 1, failcode, Buffer.from(d.failuremsg).toString('hex'), false);
}

/**
 * pay (BOLT 12): the failure fields of a device-built part from what the
 * device decoded (pay_failed: erring hop in the route's order, 0 = our first
 * peer, and the failure message). CLN's erring_index counts us as 0, so the
 * hop is index + 1; a message shorter than a failcode is 202 "Malformed error
 * reply". The onionreply is kept (listsendpays shows it only undecoded).
 */
export function deviceFailure(route: RouteInfo, d: { erringIndex: number; failureMessage: Uint8Array }, onionreply: string): PaymentFailure {
  if (d.failureMessage.length < 2) return { code: PayCode.PAY_UNPARSEABLE_ONION, message: 'Malformed error reply', erroronion: onionreply };
  const failcode = (d.failureMessage[0] << 8) | d.failureMessage[1];
  return { ...classify(route, d.erringIndex + 1, failcode, Buffer.from(d.failureMessage).toString('hex'), false), erroronion: onionreply };
}
