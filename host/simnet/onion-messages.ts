// Onion messages on the simulated network (bolt-digest §4.10,
// cln-offers-flow-digest §2.1–2.2, §5 injectonionmessage, §6.4): every
// simulated node peels an onion message with its own key, opens its own
// encrypted_recipient_data, and forwards it to the next peer (next_node_id, or
// the other end of short_channel_id, with next_path_key_override if present)
// or, at the final hop, hands the payload to a hook the way lightningd does:
// `onion_message_recv_secret` when the final data has a 32-byte path_id,
// else `onion_message_recv`, with CLN's JSON payload.
//
// The steps and their reasons follow connectd's handle_onion /
// common/onion_message_parse.c, so `injectonionmessage` fails with the same
// `-1` texts ("onion_message_parse: …", "onion msg: unknown next peer …").
// The spec's extra drop rules (payment_relay / payment_constraints in message
// data, allowed_features bits) are applied too and logged.
//
// Peers: two nodes are connected when both are online and share a channel,
// or after `connect` / `dev-simnet-connect`. Hook deliveries go through a
// HookSink; the default one records them for tests (dev-simnet-hooks) and
// answers {"result":"continue"}; the plugin host replaces it.
//
// State lives beside the Network (messengerOf), in memory only.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex, concatBytes as concat } from '@noble/hashes/utils.js';
import { secp } from '../crypto/noble.js';
import { peel, FAIL_INVALID_ONION_HMAC } from '../onion/sphinx.js';
import { withLength } from '../onion/payload.js';
import { TlvError } from '../bolt12/errors.js';
import { formatScid, type BlindedPath, type ShortChannelId } from '../bolt12/subtypes.js';
import { BlindingError, blindingKeys, unblindHop, type UnblindedHop } from '../blinding/unblind.js';
import { decodeOnionMessagePayload, type OnionMessagePayload } from '../blinding/onionmsg-payload.js';
import { buildBlindedPath, type BuiltPath } from '../blinding/path.js';
import { noFeatureBits, type EncryptedData } from '../blinding/encrypted-data.js';
import type { OnionMessage } from '../blinding/onion-message.js';
import { failCodeName } from './wire.js';
import { Network } from './network.js';

export type OnionMessageHook = 'onion_message_recv' | 'onion_message_recv_secret';

/**
 * Where lightningd would call a plugin hook. The default records the call;
 * the plugin host (host/simnet/plugin-host.ts) is plugged in with
 * messengerOf(net).setHookSink(…). The answer is not used (lightningd does
 * nothing with an onion-message hook's answer, digest §2.2).
 */
export interface HookSink {
  deliver(node: number, hookName: string, payload: Record<string, unknown>): unknown;
}

export interface HookDelivery {
  seq: number;
  node: number;
  hook: string;
  payload: Record<string, unknown>;
  /** Test metadata, not part of the payload: the pathsecret is one this node made (dev-simnet-blindedpath / invoices). */
  pathMadeHere: boolean;
}

/** The default sink: records every delivery and answers continue. */
export class RecordingHookSink implements HookSink {
  readonly deliveries: Omit<HookDelivery, 'seq' | 'pathMadeHere'>[] = [];
  deliver(node: number, hook: string, payload: Record<string, unknown>): unknown {
    this.deliveries.push({ node, hook, payload });
    if (this.deliveries.length > MAX_RECORDS) this.deliveries.shift();
    return { result: 'continue' };
  }
}

/** What happened to an onion message (or a blinded HTLC) at a node; for logs and tests. */
export interface SimEvent {
  seq: number;
  node: number;
  kind: 'onionmsg_forward' | 'onionmsg_deliver' | 'onionmsg_drop' | 'htlc_blinded_forward' | 'htlc_blinded_receive' | 'htlc_blinded_fail';
  /** The peer it came from (absent for injectonionmessage). */
  from?: number;
  /** Where it went next. */
  to?: number;
  reason?: string;
}

const enc = new TextEncoder();
/** Events and hook records kept (the oldest go first). */
export const MAX_RECORDS = 10_000;
const tick = () => new Promise<void>((r) => setImmediate(r));
const PACKET_OVERHEAD = 1 + 33 + 32;

/** The payload lightningd hands the onion-message hooks (digest §2.2, lightningd/onion_message.c). */
export function onionMessageHookPayload(p: OnionMessagePayload, pathSecret?: Uint8Array): Record<string, unknown> {
  const om: Record<string, unknown> = {};
  if (pathSecret) om.pathsecret = toHex(pathSecret);
  if (p.replyPath) om.reply_blindedpath = blindedPathJson(p.replyPath);
  if (p.invoiceRequest) om.invoice_request = toHex(p.invoiceRequest);
  if (p.invoice) om.invoice = toHex(p.invoice);
  if (p.invoiceError) om.invoice_error = toHex(p.invoiceError);
  // §2.2: unknown_fields always present (possibly empty): the unknown (odd) final-payload records.
  om.unknown_fields = (p.unknown ?? []).map((u) => ({ number: u.type, value: toHex(u.value) }));
  return { onion_message: om };
}

/** §2.2 reply_blindedpath: first_node_id, or first_scid + first_scid_dir; first_path_key; hops. */
export function blindedPathJson(path: BlindedPath): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if ('pubkey' in path.firstNodeId) out.first_node_id = toHex(path.firstNodeId.pubkey);
  else {
    out.first_scid = formatScid(path.firstNodeId.scid);
    out.first_scid_dir = path.firstNodeId.direction;
  }
  out.first_path_key = toHex(path.firstPathKey);
  out.hops = path.hops.map((h) => ({ blinded_node_id: toHex(h.blindedNodeId), encrypted_recipient_data: toHex(h.encryptedRecipientData) }));
  return out;
}

export const parseScid = (s: string): ShortChannelId => {
  const [block, txIndex, outputIndex] = s.split('x').map(Number);
  return { block, txIndex, outputIndex };
};

export interface MessagePathOptions {
  /** path_id of the final hop (default: a fresh 32-byte secret of the node, as CLN's makesecret-based paths). */
  pathId?: Uint8Array;
  /** Non-final hops name the next hop by short_channel_id instead of next_node_id (needs a channel). */
  scidHops?: boolean;
  /** first_node_id as scid + direction (the channel from the introduction node to the second hop, or to its first channel). */
  firstScid?: boolean;
  /** Path session key (random when absent). */
  sessionKey?: Uint8Array;
}

export class OnionMessenger {
  private sink: HookSink;
  readonly recorder = new RecordingHookSink();
  /** Every hook call, in order (whatever the sink). */
  readonly deliveries: HookDelivery[] = [];
  readonly events: SimEvent[] = [];
  private seq = 0;
  /** Nodes with onion messages switched off (feature 38/39 not offered). */
  private readonly disabled = new Set<number>();
  /** Extra connections made with connect / dev-simnet-connect ("a-b", a < b). */
  private readonly links = new Set<string>();
  /** path_id (hex) → the node that made it. */
  private readonly madePaths = new Map<string, number>();
  private pathCounter = 0;
  /** Onion messages on their way to the next peer. */
  private moving = 0;
  /** connectd's per-peer rate limit (off unless switched on: tests inject back to back). */
  rateLimit = false;
  /** Milliseconds for the rate limit (tests may freeze it). */
  clock: () => number = () => Date.now();
  private readonly buckets = new Map<string, { tokens: number; last: number; warned: boolean }>();

  constructor(readonly net: Network, private log: (line: string) => void = () => {}) {
    this.sink = this.recorder;
  }

  /** Where forwards, deliveries and drops (with their reasons) are logged. */
  setLog(log: (line: string) => void): void {
    this.log = log;
  }

  setHookSink(sink: HookSink): void {
    this.sink = sink;
  }

  // -------------------------------------------------------------------------
  // Peers and features

  enabled(node: number): boolean {
    return !this.disabled.has(node);
  }

  setEnabled(node: number, on: boolean): void {
    if (on) this.disabled.delete(node);
    else this.disabled.add(node);
  }

  /** Connected: both online, and a channel between them or an explicit connection. */
  connected(a: number, b: number): boolean {
    if (a === b || !this.net.isOnline(a) || !this.net.isOnline(b)) return false;
    if (this.links.has(a < b ? `${a}-${b}` : `${b}-${a}`)) return true;
    return this.net.channelsOf(a).some((c) => Network.dirFrom(c, b) >= 0);
  }

  /** An explicit connection was made between a and b (connect / dev-simnet-connect). */
  linked(a: number, b: number): boolean {
    return this.links.has(a < b ? `${a}-${b}` : `${b}-${a}`);
  }

  connect(a: number, b: number): void {
    this.links.add(a < b ? `${a}-${b}` : `${b}-${a}`);
  }

  /** Resolves once no onion message is travelling. */
  async settled(): Promise<void> {
    while (this.moving > 0) await tick();
  }

  event(e: Omit<SimEvent, 'seq'>): void {
    this.events.push({ seq: this.seq++, ...e });
    // In memory only: a long-running simnet keeps the latest MAX_RECORDS.
    if (this.events.length > MAX_RECORDS) this.events.splice(0, this.events.length - MAX_RECORDS);
    const n = this.net.nodes[e.node];
    this.log(`${n?.alias ?? e.node}: ${e.kind}${e.reason ? `: ${e.reason}` : ''}`);
  }

  // -------------------------------------------------------------------------
  // Blinded paths a node makes for itself

  /** A fresh 32-byte path secret of `node` (deterministic for the seed: the k-th path is always the same). */
  newPathSecret(node: number): Uint8Array {
    const k = this.pathCounter++;
    return sha256(concat(enc.encode('lnsigner simnet/pathsecret/'), this.net.nodes[node].secret, Uint8Array.of(k >>> 24, k >>> 16, k >>> 8, k)));
  }

  /** Replies awaited by the simulated payer: "node:pathsecret" → handler (cln-offers-flow-digest §4.4). */
  private readonly waiters = new Map<string, (payload: Record<string, unknown>) => void>();

  /** Hands onion messages reaching `node` with path_id `pathId` to `handler` (until the returned function is called). */
  awaitReply(node: number, pathId: Uint8Array, handler: (payload: Record<string, unknown>) => void): () => void {
    const key = `${node}:${toHex(pathId)}`;
    this.waiters.set(key, handler);
    return () => this.waiters.delete(key);
  }

  /** Simulated merchants and payers (host/simnet/merchant/, payer/): per node and owner, a receiver that may take a final message before the hooks. */
  private readonly receivers = new Map<string, (om: OnionMessagePayload, secret?: Uint8Array) => boolean>();

  /** Lets `take` see every message delivered at `node` first (one receiver per `owner`); it returns true when it handled one. */
  setReceiver(node: number, take: (om: OnionMessagePayload, secret?: Uint8Array) => boolean, owner = 'merchant'): void {
    this.receivers.set(`${node}:${owner}`, take);
  }

  /** The receivers of `node`, in the order they were first set. */
  private receiversOf(node: number): ((om: OnionMessagePayload, secret?: Uint8Array) => boolean)[] {
    return [...this.receivers].filter(([k]) => k.startsWith(`${node}:`)).map(([, f]) => f);
  }

  /** Remembers that `node` made a path ending in `pathId` (hook records say so). */
  rememberPath(node: number, pathId: Uint8Array): void {
    this.madePaths.set(toHex(pathId), node);
  }

  madeBy(pathId: Uint8Array): number | undefined {
    return this.madePaths.get(toHex(pathId));
  }

  /**
   * A blinded path for onion messages to `node` through `hops` (introduction
   * node first; may be empty: then `node` is its own introduction node).
   * Non-final hops get next_node_id (or short_channel_id), the final hop the
   * path_id. Consecutive hops need not share a channel when next_node_id is
   * used, but the message will only travel between connected peers.
   */
  makeMessagePath(node: number, hops: number[], opts: MessagePathOptions = {}): { built: BuiltPath; pathId: Uint8Array } {
    const all = [...hops, node];
    const pathId = opts.pathId ?? this.newPathSecret(node);
    const data: EncryptedData[] = all.map((n, i) => {
      if (i === all.length - 1) return { pathId };
      const next = all[i + 1];
      if (opts.scidHops) {
        const c = this.net.channelsOf(n).find((x) => Network.dirFrom(x, next) >= 0);
        if (!c) throw new RangeError(`no channel between ${this.net.nodes[n].alias} and ${this.net.nodes[next].alias}`);
        return { shortChannelId: parseScid(c.scid) };
      }
      return { nextNodeId: secp.Point.fromHex(this.net.nodes[next].id).toBytes(true) };
    });
    let firstNodeId: BuildFirst | undefined;
    if (opts.firstScid) {
      const intro = all[0];
      const c = (all.length > 1 ? this.net.channelsOf(intro).find((x) => Network.dirFrom(x, all[1]) >= 0) : undefined) ?? this.net.channelsOf(intro)[0];
      if (!c) throw new RangeError('the introduction node has no channel');
      firstNodeId = { scid: parseScid(c.scid), direction: Network.dirFrom(c, intro) as 0 | 1 };
    }
    const built = buildBlindedPath(
      all.map((n, i) => ({ nodeId: hexPoint(this.net.nodes[n].id), data: data[i] })),
      { sessionKey: opts.sessionKey, firstNodeId },
    );
    this.rememberPath(node, pathId);
    return { built, pathId };
  }

  // -------------------------------------------------------------------------
  // Processing

  /**
   * injectonionmessage (digest §5): the packet is processed by our own node
   * as if a peer had sent it. Returns connectd's error text, or undefined
   * when it was delivered here or handed to the next peer.
   */
  inject(at: number, pathKey: Uint8Array, packet: Uint8Array): string | undefined {
    return this.handle(at, { pathKey, packet });
  }

  /** One message from `from` to `at` under the rate limit: tokens (ms) accrue with time up to the maximum. */
  private takeToken(at: number, from: number): boolean {
    const key = `${at}<-${from}`;
    const now = this.clock();
    const b = this.buckets.get(key) ?? { tokens: ONION_MSG_TOKENS_MAX, last: now, warned: false };
    b.tokens = Math.min(ONION_MSG_TOKENS_MAX, b.tokens + (now - b.last));
    b.last = now;
    this.buckets.set(key, b);
    if (b.tokens < ONION_MSG_MSEC) {
      if (!b.warned) {
        b.warned = true;
        this.log(`${this.net.nodes[at].alias}: warning to ${this.net.nodes[from].alias}: Ratelimited onion_message: exceeded one per ${ONION_MSG_MSEC}msec`);
      }
      return false;
    }
    b.tokens -= ONION_MSG_MSEC;
    return true;
  }

  /** A peer sends `m` to `to`: delivered on a later turn. */
  private send(from: number, to: number, m: OnionMessage): void {
    this.moving++;
    setImmediate(() => {
      try {
        this.handle(to, m, from);
      } finally {
        this.moving--;
      }
    });
  }

  /**
   * One node's handling of an onion message (connectd handle_onion +
   * onion_message_parse). Returns the reason it was refused, undefined if it
   * was forwarded or delivered. Refusals of received messages are only logged.
   */
  handle(at: number, m: OnionMessage, from?: number): string | undefined {
    const drop = (reason: string) => {
      this.event({ node: at, from, kind: 'onionmsg_drop', reason });
      return reason;
    };
    // connectd: ignore unless onion messages are turned on (feature 38/39).
    if (!this.enabled(at)) return drop('onion messages not enabled');
    // digest §2.1: per peer one message per 250 ms, bucket of 1000 ms; excess dropped (one warning to the peer).
    if (from !== undefined && this.rateLimit && !this.takeToken(at, from)) return drop(`Ratelimited onion_message: exceeded one per ${ONION_MSG_MSEC}msec`);
    const node = this.net.nodes[at];
    const pkt = m.packet;
    // parse_onionpacket: version 0 and a valid ephemeral point.
    if (pkt.length < PACKET_OVERHEAD || pkt[0] !== 0) return drop(`onion_message_parse: can't parse onionpacket: ${failCodeName(0xc004)}`);
    try {
      secp.Point.fromBytes(pkt.subarray(1, 34));
    } catch {
      return drop(`onion_message_parse: can't parse onionpacket: ${failCodeName(0xc006)}`);
    }
    // §6.4: ss = ECDH(path_key, k); the blinded hop peels with HMAC("blinded_node_id", ss)·k.
    let keys;
    try {
      keys = blindingKeys(node.secret, m.pathKey);
    } catch {
      return drop("onion_message_parse: can't unblind onionpacket");
    }
    // §4.10: no associated data; payload area = len − 66; a 0-length payload is legal.
    const p = peel(pkt, keys.blindedSecret, new Uint8Array(0), pkt.length - PACKET_OVERHEAD, 0);
    if (!p.ok) {
      if (p.code === FAIL_INVALID_ONION_HMAC) return drop(`onion_message_parse: can't process onionpacket ss=${toHex(p.sharedSecret!)}`);
      return drop('onion_message_parse: Invalid hop payload');
    }
    let om: OnionMessagePayload;
    try {
      om = decodeOnionMessagePayload(p.payload);
    } catch (e) {
      // BOLT 1 via onionmsg_tlv: bad framing or an unknown even type ⇒ ignore.
      if (e instanceof TlvError) return drop(`onion_message_parse: invalid onionmsg_tlv ${toHex(withLength(p.payload))}`);
      throw e;
    }
    const erd = om.encryptedRecipientData;
    if (p.final) {
      let hop: UnblindedHop | undefined;
      // CLN: the final encrypted_recipient_data is optional; if present it must decrypt and parse.
      if (erd) {
        try {
          hop = unblindHop(node.secret, m.pathKey, erd);
        } catch (e) {
          if (e instanceof BlindingError) return drop(`onion_message_parse: failed to decrypt encrypted_recipient_data ${toHex(erd)}`);
          throw e;
        }
        const bad = specDataRule(hop.data);
        if (bad) return drop(bad);
      }
      // §2.1: a path_id of exactly 32 bytes is the pathsecret ⇒ onion_message_recv_secret.
      const secret = hop?.data.pathId?.length === 32 ? hop.data.pathId : undefined;
      const hook: OnionMessageHook = secret ? 'onion_message_recv_secret' : 'onion_message_recv';
      const payload = onionMessageHookPayload(om, secret);
      const madeHere = secret !== undefined && this.madeBy(secret) === at;
      this.deliveries.push({ seq: this.seq++, node: at, hook, payload, pathMadeHere: madeHere });
      if (this.deliveries.length > MAX_RECORDS) this.deliveries.splice(0, this.deliveries.length - MAX_RECORDS);
      this.event({ node: at, from, kind: 'onionmsg_deliver', reason: hook });
      // A payer waiting on this node for a reply through a path it made (host/simnet/payer/) takes it instead of the hooks.
      const waiter = secret ? this.waiters.get(`${at}:${toHex(secret)}`) : undefined;
      if (!waiter && this.receiversOf(at).some((take) => take(om, secret))) return undefined;
      void Promise.resolve()
        .then(() => (waiter ? waiter(payload) : this.sink.deliver(at, hook, payload)))
        .catch((e) => this.log(`${node.alias}: ${hook} failed: ${String(e)}`));
      return undefined;
    }
    // §4.10: a non-final onionmsg_tlv with any field besides encrypted_recipient_data ⇒ ignore.
    const fields = (om.replyPath ? 1 : 0) + (erd ? 1 : 0) + (om.invoiceRequest ? 1 : 0) + (om.invoice ? 1 : 0) + (om.invoiceError ? 1 : 0) + (om.unknown?.length ?? 0);
    if (fields !== 1 || !erd) return drop('onion_message_parse: disallowed tlv field');
    const invalid = () => drop(`onion_message_parse: invalid encrypted_recipient_data ${toHex(erd)}`);
    let hop: UnblindedHop;
    try {
      hop = unblindHop(node.secret, m.pathKey, erd);
    } catch (e) {
      if (e instanceof BlindingError) return invalid();
      throw e;
    }
    const d = hop.data;
    // §4.10: path_id at a non-final hop ⇒ ignore.
    if (d.pathId) return invalid();
    // BOLT 4 onion messages: next_node_id, else short_channel_id, else ignore.
    if (!d.nextNodeId && !d.shortChannelId) return invalid();
    const bad = specDataRule(d);
    if (bad) return drop(bad);
    let next: number | undefined;
    let label: string;
    if (d.nextNodeId) {
      label = toHex(d.nextNodeId);
      next = this.net.node(label)?.index;
    } else {
      const scid = formatScid(d.shortChannelId!);
      const c = this.net.channel(scid);
      // connectd: the scid must be one of this node's channels (or aliases).
      if (!c || Network.dirFrom(c, at) < 0) return drop(`onion msg: unknown next scid ${scid}`);
      next = c.sides[1 - Network.dirFrom(c, at)].node;
      label = `${scid}/0`;
    }
    // connectd: the next peer must be connected.
    if (next === undefined || !this.connected(at, next)) return drop(`onion msg: unknown next peer ${label}`);
    this.event({ node: at, from, kind: 'onionmsg_forward', to: next });
    // §4.7: the next path key is next_path_key_override if present, else SHA256(E ‖ ss)·E.
    this.send(at, next, { pathKey: hop.nextPathKey, packet: p.next });
    return undefined;
  }
}

/** connectd: ONION_MSG_MSEC per message, at most ONION_MSG_TOKENS_MAX saved up. */
export const ONION_MSG_MSEC = 250;
export const ONION_MSG_TOKENS_MAX = 4 * ONION_MSG_MSEC;

type BuildFirst = { scid: ShortChannelId; direction: 0 | 1 };

/** §6.2 / §4.10 rules on message data that CLN does not check itself: logged drops. */
function specDataRule(d: EncryptedData): string | undefined {
  // §6.2: payment_relay and payment_constraints are forbidden in onion-message data.
  if (d.paymentRelay || d.paymentConstraints) return 'payment_relay or payment_constraints in onion-message data';
  // §4.10: allowed_features with any bit set (all unknown today) ⇒ ignore.
  if (!noFeatureBits(d.allowedFeatures)) return 'allowed_features has an unknown bit';
  return undefined;
}

const hexPoint = (id: string) => secp.Point.fromHex(id).toBytes(true);

const messengers = new WeakMap<Network, OnionMessenger>();

/** The onion-message state of a network (created on first use). */
export function messengerOf(net: Network): OnionMessenger {
  let m = messengers.get(net);
  if (!m) {
    m = new OnionMessenger(net);
    messengers.set(net, m);
  }
  return m;
}
