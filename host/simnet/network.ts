// The simulated Lightning network: nodes with their own private keys,
// channels with per-direction balances and policies, and HTLCs that travel
// hop by hop. Every hop peels the onion with its own key (../onion/sphinx.ts),
// checks it against BOLT 4 §4.4–4.5, then forwards or fails with a failure
// onion built at that hop (§4.9). The payee checks the payment secret and
// total and settles a multi-part set only when it is complete.
//
// State is in memory only; a restart gives the same network again for the
// same seed (keys, channels, policies, invoices numbered from 0).
import { sha256 } from '@noble/hashes/sha2.js';
import { secp } from '../crypto/noble.js';
import { bytesToHex as toHex, concatBytes as concat, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { createFailureOnion, peel, wrapFailureOnion } from '../onion/sphinx.js';
import { decodePayload, PayloadError, type DecodedPayload } from '../onion/payload.js';
import { failureMsg, FailCode } from './wire.js';
import { receiveBlinded } from './blinded-forward.js';
import { htlcAcceptedPayload, htlcHookAt, runHtlcHook } from './htlc-hook.js';

export interface SimnetOptions {
  /** Number of nodes including the payer (node 0), 2..26. */
  nodes: number;
  /** Any string; everything (keys, policies, preimages) derives from it. */
  seed: string;
  /** The chain tip every node sees (default 1000). */
  blockheight?: number;
  /** Incomplete multi-part sets are failed with mpp_timeout after this long (default 60 s, §4.5). */
  mppTimeoutMs?: number;
  /** Node 0's secret key instead of the seed's (`--node0-hsm-secret`, host/simnet/node-key.ts);
   *  the other nodes' keys and everything else still come from the seed. */
  node0Secret?: Uint8Array;
  /** The hsm_secret node 0's key came from (`--node0-hsm-secret`): node 0's
   *  `makesecret` is then Core Lightning's (cln-rpc-digest §7.3), so secrets
   *  such as "node-alias-base" are the ones a device holding it derives. */
  node0HsmSecret?: Uint8Array;
}

export interface Policy {
  feeBaseMsat: bigint;
  feePpm: bigint;
  cltvDelta: number;
  htlcMinMsat: bigint;
  htlcMaxMsat: bigint;
}

export interface ChannelSide extends Policy {
  node: number;
  /** What this side can send (msat), in-flight HTLCs already taken off. */
  balanceMsat: bigint;
}

export interface SimChannel {
  scid: string;
  capacityMsat: bigint;
  /** sides[0] is node_1 (the lesser node id, BOLT 7), sides[1] node_2; direction d = sending from sides[d]. */
  sides: ChannelSide[];
}

export interface SimNode {
  index: number;
  alias: string;
  secret: Uint8Array;
  id: string;
  /** Node 0 only, with `--node0-hsm-secret`: the hsm_secret (makesecret as CLN). */
  hsmSecret?: Uint8Array;
}

export interface Invoice {
  node: number;
  paymentHash: string;
  paymentSecret: string;
  preimage: string;
  amountMsat: bigint;
  description: string;
  minFinalCltvExpiry: number;
  createdAt: number;
  status: 'unpaid' | 'paid';
}

export type FaultKind = 'no_liquidity' | 'offline' | 'wrong_secret' | 'expiry_too_soon' | 'corrupt_onion';
export interface Fault {
  kind: FaultKind;
  node?: number;
  channel?: string;
}

/** What comes back over an HTLC: update_fulfill_htlc, update_fail_htlc or update_fail_malformed_htlc. */
export type HtlcResult =
  | { kind: 'fulfill'; preimage: string }
  | { kind: 'fail'; reason: Uint8Array }
  | { kind: 'malformed'; code: number; sha256OfOnion: Uint8Array };

export interface Htlc {
  /** Channel it arrives over and the node that sent it. */
  channel: SimChannel;
  from: number;
  amountMsat: bigint;
  cltvExpiry: number;
  paymentHash: Uint8Array;
  onion: Uint8Array;
  /** update_add_htlc TLV 0 (blinded_path): the path key of a blinded hop after the introduction node (§4.6). */
  pathKey?: Uint8Array;
}

const ALIASES = ['payer', 'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'ursula', 'victor', 'walter', 'xena', 'yara', 'zed', 'amy', 'ben'];
export const MAX_NODES = ALIASES.length;

/** Blocks an incoming HTLC must still have before it expires, at a forwarding node (CLN refuses closer ones). */
export const EXPIRY_SAFETY_BLOCKS = 3;
/** §4.8 expiry_too_far: more than 2016 blocks ahead. */
export const MAX_HTLC_CLTV = 2016;
/** How far the expiry_too_soon fault moves a node's view of the chain ahead. */
export const EXPIRY_FAULT_BLOCKS = 1000;

const enc = new TextEncoder();
const u32be = (v: number) => Uint8Array.of((v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
const tick = () => new Promise<void>((r) => setImmediate(r));

/** Deterministic byte stream from the seed, for keys and policies. */
class SeedStream {
  private counter = 0;
  constructor(private readonly seed: string) {}
  next(label: string): Uint8Array {
    return sha256(concat(enc.encode(`lnsigner simnet/${label}/`), enc.encode(this.seed), u32be(this.counter++)));
  }
  pick<T>(label: string, from: readonly T[]): T {
    return from[this.next(label)[0] % from.length];
  }
}

/** Total fee a node charges to forward `amount` out over a channel direction (BOLT 7). */
export const feeFor = (p: Policy, amount: bigint) => p.feeBaseMsat + (amount * p.feePpm) / 1_000_000n;

interface MppSet {
  totalMsat: bigint;
  parts: { amountMsat: bigint; settle(r: HtlcResult): void; failWith(msg: Uint8Array): void }[];
  timer: NodeJS.Timeout;
}

export class Network {
  readonly nodes: SimNode[] = [];
  readonly channels: SimChannel[] = [];
  readonly blockheight: number;
  readonly invoices = new Map<string, Invoice>();
  private faults: Fault[] = [];
  private readonly mppSets = new Map<string, MppSet>();
  private readonly stream: SeedStream;
  private readonly mppTimeoutMs: number;
  private invoiceCounter = 0;
  /** HTLCs on their way forward whose receiving node has not decided yet. */
  private moving = 0;

  constructor(opts: SimnetOptions) {
    if (!Number.isInteger(opts.nodes) || opts.nodes < 2 || opts.nodes > MAX_NODES) throw new Error(`nodes must be 2..${MAX_NODES}`);
    this.blockheight = opts.blockheight ?? 1000;
    this.mppTimeoutMs = opts.mppTimeoutMs ?? 60_000;
    this.stream = new SeedStream(opts.seed);
    for (let i = 0; i < opts.nodes; i++) {
      let secret = this.stream.next(`node/${i}`);
      while (!secp.utils.isValidSecretKey(secret)) secret = sha256(secret);
      // Drawn anyway, so the seed's stream (other keys, policies) is unchanged.
      if (i === 0 && opts.node0Secret) secret = Uint8Array.from(opts.node0Secret);
      const hsmSecret = i === 0 && opts.node0Secret && opts.node0HsmSecret ? Uint8Array.from(opts.node0HsmSecret) : undefined;
      this.nodes.push({ index: i, alias: ALIASES[i], secret, id: toHex(secp.getPublicKey(secret, true)), ...(hsmSecret ? { hsmSecret } : {}) });
    }
    // Topology: a chain 0-1-2-…-(n-1), plus chords i–(i+2) for even i, so
    // most destinations have two routes.
    const pairs: [number, number][] = [];
    for (let i = 0; i + 1 < opts.nodes; i++) pairs.push([i, i + 1]);
    for (let i = 0; i + 2 < opts.nodes; i += 2) pairs.push([i, i + 2]);
    pairs.forEach(([a, b], k) => this.openChannel(`${103 + k}x1x0`, a, b));
  }

  private openChannel(scid: string, opener: number, peer: number): void {
    const capacityMsat = 10_000_000_000n; // 0.1 BTC
    const policy = (): Policy => ({
      feeBaseMsat: this.stream.pick('fee_base', [0n, 1n, 1000n]),
      feePpm: this.stream.pick('fee_ppm', [1n, 10n, 100n, 1000n]),
      cltvDelta: this.stream.pick('cltv_delta', [6, 14, 34, 40]),
      htlcMinMsat: 1n,
      htlcMaxMsat: capacityMsat,
    });
    const openerSide: ChannelSide = { node: opener, balanceMsat: (capacityMsat * 7n) / 10n, ...policy() };
    const peerSide: ChannelSide = { node: peer, balanceMsat: capacityMsat - openerSide.balanceMsat, ...policy() };
    const openerFirst = this.nodes[opener].id < this.nodes[peer].id;
    this.channels.push({ scid, capacityMsat, sides: openerFirst ? [openerSide, peerSide] : [peerSide, openerSide] });
  }

  // -------------------------------------------------------------------------
  // Lookups

  node(ref: string | number): SimNode | undefined {
    if (typeof ref === 'number') return this.nodes[ref];
    return this.nodes.find((n) => n.id === ref.toLowerCase() || n.alias === ref);
  }

  channel(scid: string): SimChannel | undefined {
    return this.channels.find((c) => c.scid === scid);
  }

  /** The direction (0/1) of `c` when sending from `node`, or -1 if `node` is not on it. */
  static dirFrom(c: SimChannel, node: number): 0 | 1 | -1 {
    return c.sides[0].node === node ? 0 : c.sides[1].node === node ? 1 : -1;
  }

  channelsOf(node: number): SimChannel[] {
    return this.channels.filter((c) => Network.dirFrom(c, node) >= 0);
  }

  /** The chain height `node` believes in (the expiry_too_soon fault moves it ahead). */
  heightAt(node: number): number {
    return this.blockheight + (this.hasFault('expiry_too_soon', node) ? EXPIRY_FAULT_BLOCKS : 0);
  }

  isOnline(node: number): boolean {
    return !this.hasFault('offline', node);
  }

  // -------------------------------------------------------------------------
  // Invoices and faults (test-only controls)

  createInvoice(node: number, amountMsat: bigint, description: string, minFinalCltvExpiry = 18, givenPreimage?: Uint8Array): Invoice {
    const n = this.nodes[node];
    const k = this.invoiceCounter++;
    // A test may supply the preimage (blinded invoices, host/simnet/blinded-forward.ts).
    const preimage = givenPreimage ?? sha256(concat(enc.encode('preimage'), n.secret, u32be(k)));
    const inv: Invoice = {
      node,
      paymentHash: toHex(sha256(preimage)),
      paymentSecret: toHex(sha256(concat(enc.encode('payment_secret'), n.secret, u32be(k)))),
      preimage: toHex(preimage),
      amountMsat,
      description,
      minFinalCltvExpiry,
      createdAt: Math.floor(Date.now() / 1000),
      status: 'unpaid',
    };
    this.invoices.set(inv.paymentHash, inv);
    return inv;
  }

  addFault(f: Fault): void {
    this.faults.push(f);
  }

  listFaults(): readonly Fault[] {
    return this.faults;
  }

  clearFaults(): void {
    this.faults = [];
  }

  private hasFault(kind: FaultKind, node: number): boolean {
    return this.faults.some((f) => f.kind === kind && f.node === node);
  }

  /** no_liquidity: a channel (optionally only the side of `node`) cannot send anything. */
  private drained(c: SimChannel, from: number): boolean {
    return this.faults.some((f) => f.kind === 'no_liquidity' && f.channel === c.scid && (f.node === undefined || f.node === from));
  }

  /** What `from` can send over `c` now. */
  spendable(c: SimChannel, from: number): bigint {
    const d = Network.dirFrom(c, from);
    if (d < 0 || this.drained(c, from)) return 0n;
    return c.sides[d].balanceMsat;
  }

  /** Resolves once no HTLC is on its way forward (every one has been failed, forwarded to its end, or is held). */
  async settled(): Promise<void> {
    while (this.moving > 0) await tick();
  }

  /** Fails every incomplete multi-part set now with mpp_timeout (as if its timer fired). */
  async expireMppSets(): Promise<number> {
    await this.settled();
    const hashes = [...this.mppSets.keys()];
    for (const h of hashes) this.timeoutSet(h);
    return hashes.length;
  }

  // -------------------------------------------------------------------------
  // HTLCs

  /**
   * `from` adds an HTLC on channel `c` towards its peer. The balance is taken
   * off `from`'s side while the HTLC is in flight, moved to the peer on
   * fulfil and given back on failure. The caller has checked liquidity.
   */
  async sendHtlc(from: number, c: SimChannel, amountMsat: bigint, cltvExpiry: number, paymentHash: Uint8Array, onion: Uint8Array, pathKey?: Uint8Array): Promise<HtlcResult> {
    const d = Network.dirFrom(c, from);
    const to = c.sides[1 - d].node;
    c.sides[d].balanceMsat -= amountMsat;
    let delivered = onion;
    // corrupt_onion fault: the onion reaches `to` with one byte of its routing info flipped.
    if (this.hasFault('corrupt_onion', to)) {
      delivered = Uint8Array.from(onion);
      delivered[34 + 7] ^= 0x01;
    }
    this.moving++;
    await tick();
    // receive() decides synchronously (peel, checks; a forward increments
    // `moving` again for the next leg; a final part is settled or held).
    const pending = this.receive(to, { channel: c, from, amountMsat, cltvExpiry, paymentHash, onion: delivered, pathKey });
    this.moving--;
    const r = await pending;
    await tick();
    if (r.kind === 'fulfill') c.sides[1 - d].balanceMsat += amountMsat;
    else c.sides[d].balanceMsat += amountMsat;
    return r;
  }

  /** A node receives an HTLC: peel, check, then settle, forward or fail. */
  async receive(at: number, h: Htlc): Promise<HtlcResult> {
    const node = this.nodes[at];
    // Blinded hops (introduction, inner, recipient): host/simnet/blinded-forward.ts.
    const blinded = receiveBlinded(this, at, h);
    if (blinded !== undefined) return blinded;
    const p = peel(h.onion, node.secret, h.paymentHash);
    // §4.8: BADONION failures go back as update_fail_malformed_htlc (sha256_of_onion + code);
    // the previous hop turns them into a failure onion.
    if (!p.ok && p.sharedSecret === undefined) return { kind: 'malformed', code: p.code, sha256OfOnion: p.sha256OfOnion };
    if (!p.ok && p.code !== 0x4016) return { kind: 'malformed', code: p.code, sha256OfOnion: p.sha256OfOnion };
    const ss = p.sharedSecret!;
    const fail = (msg: Uint8Array): HtlcResult => ({ kind: 'fail', reason: createFailureOnion(ss, msg) });
    // §4.8 invalid_onion_payload: `bigsize type`, `u16 offset`.
    if (!p.ok) return fail(failureMsg.invalidOnionPayload(0n, 0));
    let payload: DecodedPayload;
    try {
      payload = decodePayload(p.payload);
    } catch (e) {
      if (e instanceof PayloadError) return fail(failureMsg.invalidOnionPayload(e.type, e.offset));
      throw e;
    }
    // §4.5 reader, unblinded: amount and cltv are required.
    if (payload.amtToForward === undefined) return fail(failureMsg.invalidOnionPayload(2n, 0));
    if (payload.outgoingCltv === undefined) return fail(failureMsg.invalidOnionPayload(4n, 0));
    if (p.final) {
      // digest §2.4: a node with plugins runs htlc_accepted first (host/simnet/htlc-hook.ts); `continue` = its own lookup.
      if (!htlcHookAt(this, at)) return this.receiveFinal(at, h, payload, fail);
      const hookPayload = htlcAcceptedPayload(this, h, {
        payload: p.payload, amtToForward: payload.amtToForward, outgoingCltv: payload.outgoingCltv,
        totalMsat: payload.totalMsat, paymentSecret: payload.paymentSecret, sharedSecret: ss,
      }, this.heightAt(at));
      const v = await runHtlcHook(this, at, hookPayload, h.paymentHash);
      if (v.kind === 'continue') return this.receiveFinal(at, h, payload, fail);
      if (v.kind === 'resolve') return { kind: 'fulfill', preimage: v.preimage };
      if (v.kind === 'fail') return fail(v.message);
      // failure_onion: lightningd obfuscates it once more with its own shared secret.
      return { kind: 'fail', reason: wrapFailureOnion(ss, v.onion) };
    }

    // Intermediate hop. §4.5: short_channel_id required.
    if (payload.shortChannelId === undefined) return fail(failureMsg.invalidOnionPayload(6n, 0));
    const out = this.channel(payload.shortChannelId);
    const d = out ? Network.dirFrom(out, at) : -1;
    // §4.8 unknown_next_peer: no such channel from this node.
    if (!out || d < 0) return fail(failureMsg.plain(FailCode.WIRE_UNKNOWN_NEXT_PEER));
    const policy = out.sides[d];
    const next = out.sides[1 - d].node;
    const height = this.heightAt(at);
    // §4.5: incoming amount − fee ≥ amt_to_forward (fee_insufficient carries the incoming htlc_msat).
    if (h.amountMsat < payload.amtToForward + feeFor(policy, payload.amtToForward)) return fail(failureMsg.feeInsufficient(h.amountMsat));
    // §4.5: cltv_expiry − cltv_expiry_delta ≥ outgoing_cltv_value (incorrect_cltv_expiry carries cltv_expiry).
    if (h.cltvExpiry - policy.cltvDelta < payload.outgoingCltv) return fail(failureMsg.incorrectCltvExpiry(h.cltvExpiry));
    // §4.8 expiry_too_soon: the HTLC would expire (nearly) now by this node's chain view.
    if (payload.outgoingCltv <= height + EXPIRY_SAFETY_BLOCKS) return fail(failureMsg.expiryTooSoon());
    // §4.8 expiry_too_far: max_htlc_cltv = 2016 blocks.
    if (h.cltvExpiry > height + MAX_HTLC_CLTV) return fail(failureMsg.plain(FailCode.WIRE_EXPIRY_TOO_FAR));
    // §4.8 amount_below_minimum carries the htlc amount.
    if (payload.amtToForward < policy.htlcMinMsat) return fail(failureMsg.amountBelowMinimum(payload.amtToForward));
    // Peer offline, over the channel's maximum or not enough balance: temporary_channel_failure.
    if (!this.isOnline(next) || payload.amtToForward > policy.htlcMaxMsat || this.spendable(out, at) < payload.amtToForward) {
      return fail(failureMsg.temporaryChannelFailure());
    }
    const r = await this.sendHtlc(at, out, payload.amtToForward, payload.outgoingCltv, h.paymentHash, p.next);
    if (r.kind === 'fulfill') return r;
    // §4.9: every upstream hop obfuscates the failure with its own ammag stream.
    if (r.kind === 'fail') return { kind: 'fail', reason: wrapFailureOnion(ss, r.reason) };
    // §4.8: a BADONION failure from the next hop becomes a normal failure onion built here.
    return fail(failureMsg.badOnion(r.code, r.sha256OfOnion));
  }

  private receiveFinal(at: number, h: Htlc, payload: DecodedPayload, fail: (m: Uint8Array) => HtlcResult): Promise<HtlcResult> | HtlcResult {
    const height = this.heightAt(at);
    const hash = toHex(h.paymentHash);
    const unknown = () => fail(failureMsg.incorrectOrUnknownPaymentDetails(h.amountMsat, height));
    // §4.5 final: incoming amount ≥ amt_to_forward (final_incorrect_htlc_amount), incoming cltv ≥ outgoing_cltv_value.
    if (h.amountMsat < payload.amtToForward!) return fail(failureMsg.finalIncorrectHtlcAmount(h.amountMsat));
    if (h.cltvExpiry < payload.outgoingCltv!) return fail(failureMsg.finalIncorrectCltvExpiry(h.cltvExpiry));
    const inv = this.invoices.get(hash);
    // BOLT 4: unknown payment hash, or already paid → incorrect_or_unknown_payment_details.
    if (!inv || inv.node !== at || inv.status === 'paid') return unknown();
    // BOLT 4: payment_secret must match the invoice's (the wrong_secret fault makes the payee expect another one).
    const expected = this.hasFault('wrong_secret', at) ? toHex(sha256(fromHex(inv.paymentSecret))) : inv.paymentSecret;
    if (!payload.paymentSecret || toHex(payload.paymentSecret) !== expected) return unknown();
    // BOLT 4: cltv_expiry too near the present (height + min_final_cltv_expiry_delta) → incorrect_or_unknown_payment_details.
    if (h.cltvExpiry < height + inv.minFinalCltvExpiry) return unknown();
    // §4.5: missing total_msat ⇒ equals amt_to_forward; total between the invoice amount and twice it.
    const total = payload.totalMsat ?? payload.amtToForward!;
    if (total < inv.amountMsat || total > 2n * inv.amountMsat) return unknown();
    return new Promise<HtlcResult>((resolve) => {
      let set = this.mppSets.get(hash);
      // §4.5 MPP: all parts must agree on total_msat.
      if (set && set.totalMsat !== total) {
        resolve(unknown());
        return;
      }
      if (!set) {
        set = { totalMsat: total, parts: [], timer: setTimeout(() => this.timeoutSet(hash), this.mppTimeoutMs) };
        set.timer.unref?.();
        this.mppSets.set(hash, set);
      }
      set.parts.push({ amountMsat: h.amountMsat, settle: resolve, failWith: (m) => resolve(fail(m)) });
      // §4.5 MPP: fulfil only when Σ parts ≥ total; fulfil all or none.
      const sum = set.parts.reduce((s, x) => s + x.amountMsat, 0n);
      if (sum >= total) {
        clearTimeout(set.timer);
        this.mppSets.delete(hash);
        inv.status = 'paid';
        for (const part of set.parts) part.settle({ kind: 'fulfill', preimage: inv.preimage });
      }
    });
  }

  /**
   * The final hop of a blinded path (host/simnet/blinded-forward.ts), once its
   * path_id has matched the payment hash: the clear final checks and MPP
   * settlement, with the invoice's secret standing in for the path_id.
   */
  settleFinal(at: number, h: Htlc, payload: DecodedPayload, fail: (m: Uint8Array) => HtlcResult): Promise<HtlcResult> | HtlcResult {
    return this.receiveFinal(at, h, payload, fail);
  }

  /** §4.5 MPP: time out an incomplete set with mpp_timeout for every part. */
  private timeoutSet(hash: string): void {
    const set = this.mppSets.get(hash);
    if (!set) return;
    clearTimeout(set.timer);
    this.mppSets.delete(hash);
    for (const part of set.parts) part.failWith(failureMsg.plain(FailCode.WIRE_MPP_TIMEOUT));
  }

  /** Stops MPP timers (for shutdown). */
  close(): void {
    for (const s of this.mppSets.values()) clearTimeout(s.timer);
  }
}
