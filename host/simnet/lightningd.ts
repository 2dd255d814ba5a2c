// The payer's lightningd in the simulated network: its payment records and
// the behaviour of getinfo, getroute, sendonion, waitsendpay, listsendpays
// and listpeerchannels as Core Lightning has it (cln-rpc-digest §1.14–1.18,
// §5, §6). Errors are RpcError with CLN's codes, messages and data.
import { RpcError, ErrorCode } from '../rpc/errors.js';
import { secp } from '../crypto/noble.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { decodeFailureOnion, ONION_PACKET_LEN } from '../onion/sphinx.js';
import { failCodeName, failCodeOf, FailCode } from './wire.js';
import { feeFor, Network, type HtlcResult, type SimChannel } from './network.js';
import type { HookOutcome, PluginHost } from './plugin-host.js';
import { messengerOf } from './onion-messages.js';
import { FEATURES_NO_ONION_MESSAGES, FEATURES_WITH_ONION_MESSAGES } from './onion-methods.js';

export const PAY_IN_PROGRESS = 200;
export const PAY_RHASH_ALREADY_USED = 201;
export const PAY_UNPARSEABLE_ONION = 202;
export const PAY_DESTINATION_PERM_FAIL = 203;
export const PAY_TRY_OTHER_ROUTE = 204;
export const PAY_ROUTE_NOT_FOUND = 205;
export const PAY_NO_SUCH_PAYMENT = 208;

export const SIMNET_VERSION = 'lnsigner-simnet-0.1';

interface Failure {
  code: 202 | 203 | 204;
  message: string;
  erringIndex?: number;
  failcode?: number;
  erringNode?: string;
  erringChannel?: string;
  erringDirection?: number;
  rawMessage?: string;
  onionreply?: string;
}

export interface PaymentRecord {
  createdIndex: number;
  updatedIndex?: number;
  paymentHash: string;
  groupid: bigint;
  partid: bigint;
  destination?: string;
  amountMsat: bigint;
  amountSentMsat: bigint;
  createdAt: number;
  completedAt?: number;
  status: 'pending' | 'complete' | 'failed';
  preimage?: string;
  label?: string;
  bolt11?: string;
  bolt12?: string;
  description?: string;
  sharedSecrets?: Uint8Array[];
  totalAmountMsat: bigint;
  failure?: Failure;
  /** Resolves when it leaves `pending`. */
  done: Promise<void>;
}

export interface RouteHop {
  id: string;
  channel: string;
  direction: number;
  amount_msat: bigint;
  delay: number;
  style: 'tlv';
}

export interface SendonionArgs {
  onion: string;
  firstHop: { id?: string; channel?: string; amountMsat: bigint; delay: number };
  paymentHash: string;
  label?: string;
  sharedSecrets?: string[];
  partid: bigint;
  bolt11?: string;
  amountMsat: bigint;
  destination?: string;
  groupid?: bigint;
  description?: string;
  totalAmountMsat: bigint;
}

const now = () => Math.floor(Date.now() / 1000);

export class SimLightningd {
  readonly payments: PaymentRecord[] = [];
  private nextIndex = 1;
  private stop!: (e: Error) => void;
  /** Rejects when the simnet shuts down, so waiters do not hold the server open. */
  private readonly stopped = new Promise<never>((_, reject) => (this.stop = reject));
  private updatedCounter = 0;
  /** The payer is node 0. */
  readonly me = 0;

  constructor(
    readonly net: Network,
    readonly lightningDir: string,
  ) {
    this.stopped.catch(() => {});
  }

  /** This node's plugins (`--plugin`, host/simnet/plugin-host.ts); set by startSimnet. */
  plugins?: PluginHost;

  /**
   * Runs `hook` (its params object) through this node's plugin chain as
   * lightningd does (digest §1.7); with no plugins every event continues.
   * For onion-message delivery and HTLC acceptance at this node.
   */
  callHook(hook: string, payload: Record<string, unknown>): Promise<HookOutcome> {
    return this.plugins ? this.plugins.callHook(hook, payload) : Promise.resolve({ result: { result: 'continue' }, calls: [] });
  }

  /** Ends every waitsendpay still waiting (code -5, as lightningd shutting down). */
  shutdown(): void {
    this.stop(new RpcError(ErrorCode.SHUTTING_DOWN, 'lightningd is shutting down'));
  }

  get id(): string {
    return this.net.nodes[this.me].id;
  }

  getinfo(): Record<string, unknown> {
    const chans = this.net.channelsOf(this.me);
    const peers = new Set(chans.map((c) => c.sides[1 - Network.dirFrom(c, this.me)].node));
    const active = chans.filter((c) => this.net.isOnline(c.sides[1 - Network.dirFrom(c, this.me)].node)).length;
    return {
      id: this.id,
      alias: this.net.nodes[this.me].alias,
      color: this.id.slice(2, 8),
      num_peers: peers.size,
      num_pending_channels: 0,
      num_active_channels: active,
      num_inactive_channels: chans.length - active,
      address: [],
      binding: [],
      version: SIMNET_VERSION,
      blockheight: this.net.blockheight,
      network: 'regtest',
      fees_collected_msat: 0n,
      'lightning-dir': this.lightningDir,
      // Feature 39 (option_onion_messages) while the payer forwards onion messages (host/simnet/onion-messages.ts).
      our_features: messengerOf(this.net).enabled(this.me)
        ? { init: '08a0800a0a69a2', node: FEATURES_WITH_ONION_MESSAGES, channel: '', invoice: '02000002024100' }
        : { init: '08a0000a0a69a2', node: FEATURES_NO_ONION_MESSAGES, channel: '', invoice: '02000002024100' },
    };
  }

  listpeerchannels(peerId?: string, scid?: string): Record<string, unknown> {
    const channels = this.net.channelsOf(this.me)
      .filter((c) => scid === undefined || c.scid === scid)
      .map((c) => {
        const d = Network.dirFrom(c, this.me) as 0 | 1;
        const ours = c.sides[d];
        const theirs = c.sides[1 - d];
        const peer = this.net.nodes[theirs.node];
        const connected = this.net.isOnline(peer.index);
        return {
          peer_id: peer.id,
          peer_connected: connected,
          state: 'CHANNELD_NORMAL',
          short_channel_id: c.scid,
          direction: d,
          channel_id: toHex(sha256(new TextEncoder().encode(`channel ${c.scid}`))),
          private: false,
          opener: 'local',
          to_us_msat: ours.balanceMsat,
          total_msat: c.capacityMsat,
          spendable_msat: this.net.spendable(c, this.me),
          receivable_msat: this.net.spendable(c, peer.index),
          fee_base_msat: ours.feeBaseMsat,
          fee_proportional_millionths: Number(ours.feePpm),
          minimum_htlc_out_msat: ours.htlcMinMsat,
          maximum_htlc_out_msat: ours.htlcMaxMsat,
          updates: {
            local: { htlc_minimum_msat: ours.htlcMinMsat, htlc_maximum_msat: ours.htlcMaxMsat, cltv_expiry_delta: ours.cltvDelta, fee_base_msat: ours.feeBaseMsat, fee_proportional_millionths: Number(ours.feePpm) },
            remote: { htlc_minimum_msat: theirs.htlcMinMsat, htlc_maximum_msat: theirs.htlcMaxMsat, cltv_expiry_delta: theirs.cltvDelta, fee_base_msat: theirs.feeBaseMsat, fee_proportional_millionths: Number(theirs.feePpm) },
          },
        };
      })
      .filter((c) => peerId === undefined || c.peer_id === peerId);
    return { channels };
  }

  // -------------------------------------------------------------------------
  // getroute (§1.18): cheapest route by fee plus a CLTV risk cost, from
  // gossip only (policies and htlc limits, not balances or liveness).

  getroute(args: { id: string; amountMsat: bigint; riskfactor: number; cltv: number; fromid?: string; exclude: string[]; maxhops: number }): { route: RouteHop[] } {
    const src = this.net.node(args.fromid ?? this.id);
    const dst = this.net.node(args.id);
    if (!src || !dst) throw new RpcError(ErrorCode.INVALID_PARAMS, 'unknown source/destination node_id (no public channels?)');
    if (src.index === dst.index) throw new RpcError(PAY_ROUTE_NOT_FOUND, 'Could not find a route');
    const excluded = (c: SimChannel, dir: number) =>
      args.exclude.includes(`${c.scid}/${dir}`) || args.exclude.includes(this.net.nodes[c.sides[0].node].id) || args.exclude.includes(this.net.nodes[c.sides[1].node].id);
    // Backwards Dijkstra from the destination: per node, the amount it must receive and its delay.
    interface Label { amount: bigint; delay: number; cost: number; hops: RouteHop[] }
    const best = new Map<number, Label>();
    best.set(dst.index, { amount: args.amountMsat, delay: args.cltv, cost: 0, hops: [] });
    const done = new Set<number>();
    const risk = (amount: bigint, delay: number) => (Number(amount) * delay * args.riskfactor) / (52_596 * 100);
    for (;;) {
      let v = -1;
      for (const [n, l] of best) if (!done.has(n) && (v < 0 || l.cost < best.get(v)!.cost)) v = n;
      if (v < 0 || v === src.index) break;
      done.add(v);
      const lv = best.get(v)!;
      if (lv.hops.length >= args.maxhops) continue;
      for (const c of this.net.channelsOf(v)) {
        const u = c.sides[1 - Network.dirFrom(c, v)].node;
        const dir = Network.dirFrom(c, u);
        const pol = c.sides[dir];
        if (done.has(u) || excluded(c, dir)) continue;
        if (lv.amount > pol.htlcMaxMsat || (args.amountMsat > 0n && lv.amount < pol.htlcMinMsat)) continue;
        const hop: RouteHop = { id: this.net.nodes[v].id, channel: c.scid, direction: dir, amount_msat: lv.amount, delay: lv.delay, style: 'tlv' };
        // The source does not charge itself: its hop adds no fee or delta.
        const isSrc = u === src.index;
        const amount = isSrc ? lv.amount : lv.amount + feeFor(pol, lv.amount);
        const delay = isSrc ? lv.delay : lv.delay + pol.cltvDelta;
        const cost = Number(amount - args.amountMsat) + risk(amount, delay);
        const cur = best.get(u);
        if (!cur || cost < cur.cost) best.set(u, { amount, delay, cost, hops: [hop, ...lv.hops] });
      }
    }
    const at = best.get(src.index);
    if (!at) throw new RpcError(PAY_ROUTE_NOT_FOUND, 'Could not find a route');
    return { route: at.hops };
  }

  // -------------------------------------------------------------------------
  // getroutes (askrene, v24.08+; the v26.06 shape of cln-v26.06-payflow.json):
  // routes from `source` to `destination` on gossip plus the given layers.
  // auto.localchans: the source's channels with their real spendable amount
  // (and only to online peers); auto.sourcefree: no fee or delay on the
  // source's own channels. User layers (askrene-create-layer) disable
  // channel directions (askrene-update-channel enabled=false) and nodes
  // (askrene-disable-node). When one route cannot carry the amount and
  // maxparts allows, the amount is split over several routes (flows).

  readonly layers = new Map<string, { disabledChannels: Set<string>; disabledNodes: Set<string> }>();

  getroutes(a: { source: string; destination: string; amountMsat: bigint; layers: string[]; maxfeeMsat: bigint; finalCltv: number; maxdelay: number; maxparts: number }): Record<string, unknown> {
    const src = this.net.node(a.source);
    const dst = this.net.node(a.destination);
    if (!src) throw new RpcError(ErrorCode.INVALID_PARAMS, 'source: unknown node');
    if (!dst) throw new RpcError(ErrorCode.INVALID_PARAMS, 'destination: unknown node');
    for (const l of a.layers) {
      if (!l.startsWith('auto.') && !this.layers.has(l)) throw new RpcError(ErrorCode.INVALID_PARAMS, `Unknown layer ${l}`);
    }
    if (src.index === dst.index) throw new RpcError(PAY_ROUTE_NOT_FOUND, 'source and destination are the same');
    const local = a.layers.includes('auto.localchans');
    const free = a.layers.includes('auto.sourcefree');
    const user = a.layers.filter((l) => this.layers.has(l)).map((l) => this.layers.get(l)!);
    const reserved = new Map<string, bigint>();
    const key = (c: SimChannel, dir: number) => `${c.scid}/${dir}`;
    const capacity = (c: SimChannel, dir: number) => {
      const from = c.sides[dir].node;
      let cap = c.sides[dir].htlcMaxMsat;
      if (local && from === src.index) {
        const to = c.sides[1 - dir].node;
        const sp = this.net.isOnline(to) ? this.net.spendable(c, from) : 0n;
        if (sp < cap) cap = sp;
      }
      return cap - (reserved.get(key(c, dir)) ?? 0n);
    };
    const usable = (c: SimChannel, dir: number) =>
      !user.some((l) => l.disabledChannels.has(key(c, dir)) || l.disabledNodes.has(this.net.nodes[c.sides[0].node].id) || l.disabledNodes.has(this.net.nodes[c.sides[1].node].id));
    /** Cheapest path for `amount` (backwards from the destination). */
    const cheapest = (amount: bigint) => {
      interface L { amount: bigint; cltv: number; cost: bigint; hops: { c: SimChannel; dir: number; out: bigint; cltvOut: number; in: bigint; cltvIn: number }[] }
      const best = new Map<number, L>([[dst.index, { amount, cltv: a.finalCltv, cost: 0n, hops: [] }]]);
      const done = new Set<number>();
      for (;;) {
        let v = -1;
        for (const [n, l] of best) if (!done.has(n) && (v < 0 || l.cost < best.get(v)!.cost)) v = n;
        if (v < 0 || v === src.index) break;
        done.add(v);
        const lv = best.get(v)!;
        for (const c of this.net.channelsOf(v)) {
          const u = c.sides[1 - Network.dirFrom(c, v)].node;
          const dir = Network.dirFrom(c, u);
          const pol = c.sides[dir];
          if (done.has(u) || !usable(c, dir)) continue;
          if (lv.amount > capacity(c, dir) || lv.amount < pol.htlcMinMsat) continue;
          const noFee = free && u === src.index;
          const fee = noFee ? 0n : feeFor(pol, lv.amount);
          const delta = noFee ? 0 : pol.cltvDelta;
          const hop = { c, dir, out: lv.amount, cltvOut: lv.cltv, in: lv.amount + fee, cltvIn: lv.cltv + delta };
          // The source's own hop forwards nothing: it costs what it charges (0 with sourcefree).
          const l: L = { amount: lv.amount + fee, cltv: lv.cltv + delta, cost: lv.cost + fee * 1000n + BigInt(delta), hops: [hop, ...lv.hops] };
          const cur = best.get(u);
          if (!cur || l.cost < cur.cost) best.set(u, l);
        }
      }
      return best.get(src.index);
    };
    const routes: { amount: bigint; hops: NonNullable<ReturnType<typeof cheapest>>['hops'] }[] = [];
    let left = a.amountMsat;
    let part = a.amountMsat;
    while (left > 0n) {
      if (routes.length >= a.maxparts) throw new RpcError(PAY_ROUTE_NOT_FOUND, `Could not find a route: ${a.amountMsat}msat needs more than ${a.maxparts} parts`);
      const want = part < left ? part : left;
      const r = cheapest(want);
      if (!r) {
        // Smaller parts may fit where the whole does not (MPP flows).
        if (a.maxparts > 1 && want > 1000n) { part = want / 2n; continue; }
        throw new RpcError(PAY_ROUTE_NOT_FOUND, `Could not find a route to ${a.destination} for ${want}msat`);
      }
      for (const h of r.hops) reserved.set(key(h.c, h.dir), (reserved.get(key(h.c, h.dir)) ?? 0n) + h.out);
      routes.push({ amount: want, hops: r.hops });
      left -= want;
    }
    const fees = routes.reduce((s, r) => s + r.hops[0].in - r.amount, 0n);
    if (fees > a.maxfeeMsat) throw new RpcError(PAY_ROUTE_NOT_FOUND, `Could not find a route: the cheapest costs ${fees}msat in fees, above maxfee_msat ${a.maxfeeMsat}msat`);
    if (routes.some((r) => r.hops[0].cltvIn > a.maxdelay)) throw new RpcError(PAY_ROUTE_NOT_FOUND, `Could not find a route within maxdelay ${a.maxdelay}`);
    return {
      probability_ppm: 999999,
      routes: routes.map((r) => ({
        probability_ppm: 999999,
        amount_msat: r.amount,
        final_cltv: a.finalCltv,
        path: r.hops.map((h) => ({
          short_channel_id_dir: `${h.c.scid}/${h.dir}`,
          node_id_in: this.net.nodes[h.c.sides[h.dir].node].id,
          node_id_out: this.net.nodes[h.c.sides[1 - h.dir].node].id,
          amount_in_msat: h.in,
          amount_out_msat: h.out,
          cltv_in: h.cltvIn,
          cltv_out: h.cltvOut,
        })),
      })),
    };
  }

  /** askrene-create-layer: an empty layer (persistence is not simulated). */
  createLayer(layer: string): Record<string, unknown> {
    if (!this.layers.has(layer)) this.layers.set(layer, { disabledChannels: new Set(), disabledNodes: new Set() });
    return { layers: [this.layerJson(layer)] };
  }

  removeLayer(layer: string): Record<string, unknown> {
    if (!this.layers.delete(layer)) throw new RpcError(ErrorCode.INVALID_PARAMS, `Unknown layer ${layer}`);
    return {};
  }

  /** askrene-update-channel {layer, short_channel_id_dir, enabled}. */
  updateLayerChannel(layer: string, scidDir: string, enabled: boolean | undefined): Record<string, unknown> {
    const l = this.layers.get(layer);
    if (!l) throw new RpcError(ErrorCode.INVALID_PARAMS, `Unknown layer ${layer}`);
    if (enabled === false) l.disabledChannels.add(scidDir);
    else if (enabled === true) l.disabledChannels.delete(scidDir);
    return {};
  }

  disableLayerNode(layer: string, node: string): Record<string, unknown> {
    const l = this.layers.get(layer);
    if (!l) throw new RpcError(ErrorCode.INVALID_PARAMS, `Unknown layer ${layer}`);
    l.disabledNodes.add(node);
    return {};
  }

  layerJson(layer: string): Record<string, unknown> {
    const l = this.layers.get(layer)!;
    return {
      layer, persistent: false, disabled_nodes: [...l.disabledNodes], created_channels: [],
      channel_updates: [...l.disabledChannels].map((c) => ({ short_channel_id_dir: c, enabled: false })), constraints: [], biases: [],
    };
  }

  // -------------------------------------------------------------------------
  // sendonion (§6)

  sendonion(a: SendonionArgs): Record<string, unknown> {
    const onion = fromHex(a.onion);
    // §6: parse requires version 0 and a valid point; failure ⇒ -32602 "Could not parse the onion…".
    let failcode = 0;
    if (onion.length !== ONION_PACKET_LEN || onion[0] !== 0) failcode = FailCode.WIRE_INVALID_ONION_VERSION;
    else {
      try {
        secp.Point.fromBytes(onion.subarray(1, 34));
      } catch {
        failcode = FailCode.WIRE_INVALID_ONION_KEY;
      }
    }
    if (failcode) throw new RpcError(ErrorCode.INVALID_PARAMS, `Could not parse the onion. Parsing failed with failcode=${failcode}`);
    if (a.firstHop.delay < 1) throw new RpcError(ErrorCode.INVALID_PARAMS, 'first_hop: delay: should be a positive, non-zero, number');
    if (a.firstHop.id === undefined && a.firstHop.channel === undefined) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, "Either 'id' or 'channel' is required for a route_hop");
    }
    const secrets = a.sharedSecrets?.map(fromHex);

    const existing = this.checkProgress(a);
    if (existing) return existing;

    // §5.2/§6 channel selection: the given channel, else any channel with that peer and enough spendable balance.
    const peer = a.firstHop.id === undefined ? undefined : this.net.node(a.firstHop.id);
    const candidates = this.net.channelsOf(this.me).filter((c) => {
      const other = c.sides[1 - Network.dirFrom(c, this.me)].node;
      return peer !== undefined && other === peer.index && this.net.isOnline(other) && (a.firstHop.channel === undefined || a.firstHop.channel === c.scid);
    });
    // §5.6: no usable channel to the first peer ⇒ 204, no payment record.
    if (candidates.length === 0) {
      throw new RpcError(PAY_TRY_OTHER_ROUTE, 'No connection to first peer found', {
        erring_index: 0,
        failcode: FailCode.WIRE_UNKNOWN_NEXT_PEER,
        failcodename: 'WIRE_UNKNOWN_NEXT_PEER',
        erring_node: this.id,
      });
    }
    const chan = candidates.find((c) => this.net.spendable(c, this.me) >= a.firstHop.amountMsat);
    // §5.6: the channel refused the HTLC ⇒ 204 "failed: WIRE_… (…)" with erring_index 0, us, the channel.
    if (!chan) {
      const c = candidates[0];
      throw new RpcError(PAY_TRY_OTHER_ROUTE, 'failed: WIRE_TEMPORARY_CHANNEL_FAILURE (Capacity exceeded)', {
        erring_index: 0,
        failcode: FailCode.WIRE_TEMPORARY_CHANNEL_FAILURE,
        failcodename: 'WIRE_TEMPORARY_CHANNEL_FAILURE',
        erring_node: this.id,
        erring_channel: c.scid,
        erring_direction: Network.dirFrom(c, this.me),
      });
    }

    let settle!: () => void;
    const rec: PaymentRecord = {
      createdIndex: this.nextIndex++,
      paymentHash: a.paymentHash,
      groupid: a.groupid ?? this.maxGroup(a.paymentHash) + 1n,
      partid: a.partid,
      destination: a.destination,
      amountMsat: a.amountMsat,
      amountSentMsat: a.firstHop.amountMsat,
      createdAt: now(),
      status: 'pending',
      label: a.label,
      description: a.description,
      sharedSecrets: secrets,
      totalAmountMsat: a.totalAmountMsat,
      done: new Promise<void>((r) => (settle = r)),
    };
    if (a.bolt11 !== undefined) {
      const inv = a.bolt11.toLowerCase().replace(/^lightning:/, '');
      if (inv.startsWith('lni')) rec.bolt12 = inv;
      else rec.bolt11 = inv;
    }
    this.payments.push(rec);
    // HTLC cltv = height + 1 + delay (§6, digest §9 item 11).
    const cltv = this.net.blockheight + 1 + a.firstHop.delay;
    void this.net
      .sendHtlc(this.me, chan, a.firstHop.amountMsat, cltv, fromHex(a.paymentHash), onion)
      .then((r) => this.resolve(rec, chan, r))
      .catch((e) => this.resolve(rec, chan, { kind: 'fail', reason: new Uint8Array(0) }, String(e)))
      .finally(settle);
    return { message: 'Monitor status with listpays or waitsendpay', ...this.paymentJson(rec) };
  }

  private maxGroup(hash: string): bigint {
    let m = 0n;
    for (const p of this.payments) if (p.paymentHash === hash && p.groupid > m) m = p.groupid;
    return m;
  }

  /** §5.3–5.4 idempotency and MPP bookkeeping; returns an existing payment to hand back, or undefined to go on. */
  private checkProgress(a: SendonionArgs): Record<string, unknown> | undefined {
    const same = this.payments.filter((p) => p.paymentHash === a.paymentHash);
    const groupid = a.groupid ?? this.maxGroup(a.paymentHash) + 1n;
    for (const p of same) {
      if (p.status !== 'complete') continue;
      if (p.partid !== a.partid) throw new RpcError(PAY_RHASH_ALREADY_USED, 'Already succeeded other parts');
      if (p.amountMsat !== a.amountMsat) throw new RpcError(PAY_RHASH_ALREADY_USED, `Already succeeded with amount ${p.amountMsat}msat (not ${a.amountMsat}msat)`);
      return this.paymentJson(p);
    }
    const pending = same.filter((p) => p.status === 'pending');
    for (const p of pending) {
      if (p.groupid !== groupid) {
        throw new RpcError(PAY_IN_PROGRESS, `Payment with groupid=${p.groupid} still in progress, cannot retry before that completes.`);
      }
    }
    if (pending.some((p) => (p.partid === 0n) !== (a.partid === 0n))) {
      throw new RpcError(PAY_IN_PROGRESS, `Already have ${a.partid === 0n ? 'parallel' : 'non-parallel'} payment in progress`);
    }
    for (const p of pending) {
      if (p.partid !== a.partid) continue;
      if (p.amountMsat !== a.amountMsat) throw new RpcError(PAY_RHASH_ALREADY_USED, `Already pending with amount ${p.amountMsat}msat (not ${a.amountMsat}msat)`);
      return { message: 'Monitor status with listpays or waitsendpay', ...this.paymentJson(p) };
    }
    // §6 total_amount_msat (v25.05+): refuse once the pending parts already cover it.
    const inFlight = pending.reduce((s, p) => s + p.amountMsat, 0n);
    if (a.totalAmountMsat > 0n && inFlight >= a.totalAmountMsat) {
      throw new RpcError(PAY_IN_PROGRESS, `Already have ${inFlight}msat of ${a.totalAmountMsat}msat payments in progress`);
    }
    if (same.some((p) => p.partid === a.partid && p.groupid === groupid)) {
      throw new RpcError(
        PAY_RHASH_ALREADY_USED,
        `There already is a payment with payment_hash=${a.paymentHash}, groupid=${groupid}, partid=${a.partid}. Either change the partid, or wait for the payment to complete and start a new group.`,
      );
    }
    return undefined;
  }

  private resolve(rec: PaymentRecord, chan: SimChannel, r: HtlcResult, internal?: string): void {
    rec.completedAt = now();
    rec.updatedIndex = ++this.updatedCounter;
    if (r.kind === 'fulfill') {
      rec.status = 'complete';
      rec.preimage = r.preimage;
      return;
    }
    rec.status = 'failed';
    const dir = Network.dirFrom(chan, this.me);
    if (internal !== undefined) {
      rec.failure = { code: PAY_TRY_OTHER_ROUTE, message: `failed: ${internal}`, erringIndex: 0, erringNode: this.id, erringChannel: chan.scid, erringDirection: dir };
      return;
    }
    if (r.kind === 'malformed') {
      // The first peer could not read our onion: a local failure (§5.6: 204, erring_index 0, us, the first channel).
      const name = failCodeName(r.code) ?? `unknown failcode ${r.code}`;
      rec.failure = {
        code: PAY_TRY_OTHER_ROUTE,
        message: `failed: ${name} (local failure)`,
        erringIndex: 0,
        failcode: r.code,
        erringNode: this.id,
        erringChannel: chan.scid,
        erringDirection: dir,
      };
      return;
    }
    // §6: without shared_secrets lightningd cannot decode ⇒ 202 with the onion reply.
    const decoded = rec.sharedSecrets ? decodeFailureOnion(rec.sharedSecrets, r.reason) : undefined;
    if (!decoded) {
      rec.failure = { code: PAY_UNPARSEABLE_ONION, message: 'Malformed error reply', onionreply: toHex(r.reason) };
      return;
    }
    // §6: decoded with the caller's secrets, but lightningd does not know the
    // route: no erring_node / erring_channel, and always 204 (caller decides).
    const failcode = failCodeOf(decoded.failuremsg);
    const name = failCodeName(failcode) ?? `unknown failcode ${failcode}`;
    rec.failure = {
      code: PAY_TRY_OTHER_ROUTE,
      message: `failed: ${name} (reply from remote)`,
      // §5.6: erring_index i = the i-th node of the route, i.e. origin index + 1.
      erringIndex: decoded.index + 1,
      failcode,
      rawMessage: toHex(decoded.failuremsg),
    };
  }

  paymentJson(p: PaymentRecord): Record<string, unknown> {
    return {
      created_index: p.createdIndex,
      id: p.createdIndex,
      payment_hash: p.paymentHash,
      groupid: p.groupid,
      updated_index: p.updatedIndex,
      partid: p.partid === 0n ? undefined : p.partid,
      destination: p.destination,
      amount_msat: p.amountMsat === 0n ? undefined : p.amountMsat,
      amount_sent_msat: p.amountSentMsat,
      created_at: p.createdAt,
      completed_at: p.completedAt,
      status: p.status,
      payment_preimage: p.preimage,
      label: p.label,
      bolt11: p.bolt11,
      bolt12: p.bolt12,
      description: p.description,
    };
  }

  // -------------------------------------------------------------------------
  // waitsendpay (§1.15) and listsendpays (§1.16)

  async waitsendpay(hash: string, timeout: number | undefined, partid: bigint, groupid: bigint | undefined): Promise<Record<string, unknown>> {
    const g = groupid ?? this.maxGroup(hash);
    const p = this.payments.find((x) => x.paymentHash === hash && x.partid === partid && x.groupid === g);
    if (!p) throw new RpcError(PAY_NO_SUCH_PAYMENT, `Never attempted payment part ${partid} for '${hash}'`);
    if (p.status === 'pending') {
      if (timeout === 0) throw new RpcError(PAY_IN_PROGRESS, 'Timed out while waiting');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = timeout === undefined ? new Promise<never>(() => {}) : new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeout * 1000)));
      const r = await Promise.race([p.done, timedOut, this.stopped]).finally(() => clearTimeout(timer));
      if (r === 'timeout') throw new RpcError(PAY_IN_PROGRESS, 'Timed out while waiting');
    }
    if (p.status === 'complete') return this.paymentJson(p);
    const f = p.failure!;
    const data: Record<string, unknown> = { ...this.paymentJson(p) };
    if (f.code === PAY_UNPARSEABLE_ONION) data.onionreply = f.onionreply;
    else {
      data.erring_index = f.erringIndex;
      data.failcode = f.failcode;
      data.failcodename = f.failcode === undefined ? undefined : failCodeName(f.failcode);
      data.erring_node = f.erringNode;
      data.erring_channel = f.erringChannel;
      data.erring_direction = f.erringDirection;
      data.raw_message = f.rawMessage;
    }
    throw new RpcError(f.code, f.message, data);
  }

  listsendpays(hash: string | undefined, status: string | undefined): Record<string, unknown> {
    // §1.16: when a hash is given, status is ignored.
    const list = this.payments.filter((p) => (hash !== undefined ? p.paymentHash === hash : status === undefined || p.status === status));
    return {
      payments: list.map((p) => ({ ...this.paymentJson(p), erroronion: p.failure?.code === PAY_UNPARSEABLE_ONION ? p.failure.onionreply : undefined })),
    };
  }
}
