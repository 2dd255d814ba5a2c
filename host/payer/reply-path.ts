// Where fetchinvoice sends its request and how the answer finds us
// (cln-offers-flow-digest §4.2, §6.5, §8 items 18–19):
// - the route: us → … → target over nodes that forward onion messages (the
//   node's view: getroute over its channels, each hop's gossip features from
//   listnodes; a connected peer directly), else none (the caller connects);
// - the reply path (CLN make_reply_path): from route [us=N0, N1, …, Nk=target]
//   the reply's introduction node is N(k-1) when gossip knows it (else Nk),
//   followed by the route back to us; [us, C] gives [us] alone. Non-final
//   hops carry next_node_id, our final hop path_id = a fresh random 32-byte
//   reply secret; no padding. The device builds and blinds it (blinded_path).
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { encodeEncryptedData } from '../blinding/encrypted-data.js';
import type { BlindedPath } from '../bolt12/subtypes.js';
import type { DeviceSigner } from '../daemon/device-signer.js';
import type { LightningRpcClient } from '../node/client.js';

/** BOLT 9 option_onion_messages (38/39). */
const ONION_MESSAGES_BITS = [38, 39];

/** Whether a BOLT 9 feature hex string sets `bit`. */
export function hasFeatureBit(hex: string, bit: number): boolean {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return false;
  const b = hexToBytes(hex);
  const byte = b.length - 1 - (bit >> 3);
  return byte >= 0 && (b[byte] & (1 << (bit & 7))) !== 0;
}

const onionMessages = (features: unknown) => typeof features === 'string' && ONION_MESSAGES_BITS.some((bit) => hasFeatureBit(features, bit));

/** The node's gossip view of `id`: undefined when gossip does not know it (or has no listnodes). */
async function gossipNode(l: LightningRpcClient, id: string): Promise<{ features?: string } | undefined> {
  try {
    const r = (await l.call('listnodes', { id })) as { nodes?: { nodeid?: string; features?: string }[] };
    return r.nodes?.find((n) => n.nodeid === id);
  } catch {
    return undefined;
  }
}

export interface MessageRoute {
  /** [us, N1, …, target]; [us] alone when the target is us. */
  ids: string[];
  /** How it was found, for the log. */
  via: 'self' | 'peer' | 'gossip';
}

/**
 * §4.2: a route for onion messages from `me` to `target`, or undefined (then
 * CLN connects to the target). A connected peer with option_onion_messages is
 * reached directly; otherwise the node's channel graph (getroute) gives the
 * hops, each of which must announce option_onion_messages.
 */
export async function findMessageRoute(l: LightningRpcClient, me: string, target: string): Promise<MessageRoute | undefined> {
  if (target === me) return { ids: [me], via: 'self' };
  try {
    const peers = ((await l.call('listpeers', { id: target })) as { peers?: { id: string; connected?: boolean; features?: string }[] }).peers ?? [];
    const p = peers.find((x) => x.id === target);
    if (p?.connected && onionMessages(p.features)) return { ids: [me, target], via: 'peer' };
  } catch {
    // no listpeers: try the graph
  }
  let hops: string[];
  try {
    hops = (await l.getroute({ id: target, amount_msat: 1n, riskfactor: 0 })).map((h) => h.id);
  } catch {
    return undefined;
  }
  if (!hops.length || hops[hops.length - 1] !== target) return undefined;
  // Every node after us must forward (or, the last, take) onion messages.
  for (const id of hops) {
    const n = await gossipNode(l, id);
    if (n && !onionMessages(n.features)) return undefined;
  }
  return { ids: [me, ...hops], via: 'gossip' };
}

/** §4.2 make_reply_path: the node ids of the reply path, introduction node first, us last. */
export async function replyPathIds(l: LightningRpcClient, route: string[]): Promise<string[]> {
  const k = route.length - 1;
  if (k <= 0) return [route[0]];
  // N(k-1) as introduction node when it is in the gossip map (we always are, for [us, C]); else N(k).
  const back = route.slice(0, k).reverse();
  if (k - 1 === 0 || (await gossipNode(l, route[k - 1]))) return back;
  return [route[k], ...back];
}

/** The reply path, built and blinded on the device: next_node_id per hop, our path_id = `secret`. */
export async function makeReplyPath(signer: DeviceSigner, ids: string[], secret: Uint8Array): Promise<BlindedPath> {
  if (!signer.blindedPath) throw new Error('the device client cannot build blinded paths (blinded_path)');
  const hops = ids.map((id, i) => ({
    nodeId: hexToBytes(id),
    tlv: i < ids.length - 1 ? encodeEncryptedData({ nextNodeId: hexToBytes(ids[i + 1]) }) : encodeEncryptedData({ pathId: secret }),
  }));
  return signer.blindedPath({ hops });
}

export const idOf = (b: Uint8Array) => bytesToHex(b);
