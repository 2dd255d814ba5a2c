// The payment flow of sendpay / waitsendpay (docs/host/payments.md):
//   1. the MPP / idempotency rules run and the part is written (pending,
//      stage 'reserved') in one store transaction;
//   2. the device builds the onion (the host never holds a key); its shared
//      secrets are written (stage 'onion') before anything reaches the node;
//   3. the node gets it with `sendonion`; accepted ⇒ stage 'sent', and a
//      tracker waits on the node's `waitsendpay` for that part;
//   4. the result is written (complete + preimage, or failed + CLN's failure
//      fields decoded with the stored shared secrets) and waiters are woken.
// On start-up (and before any new part of a hash) parts still 'reserved' or
// 'onion' are reconciled with the node's listsendpays: a part the node knows
// is adopted, never sent again; a part the node does not know was never sent
// and is marked failed (stage 'unsent').
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { BuildOnionRequest, BuiltOnion } from '../daemon/device-signer.js';
import { DeviceError, statusName } from '../transport/errors.js';
import { POLICY_LIMIT_TEXT } from '../device-client/explain.js';
import { cut } from '../rpc/cut.js';
import * as P from '../../shared/protocol.js';
import type { PaymentFailure, PaymentRecord, Store } from '../store/index.js';
import { encodeHopPayload, withLength } from '../onion/payload.js';
import { classify, decodeFailure, deviceFailure, routeOf } from './failure.js';
import { decodePayInvoice, type PartFailure, type PayInvoicePart } from '../device-client/payer-requests.js';
import { failureData, paymentEntry } from './format.js';
import { scidBytes, type Hop } from './route.js';
import { checkAmounts, checkInvoiceRequest, checkProgress, newPart, PayCode, type SendpayRequest } from './rules.js';

/** WIRE_UNKNOWN_NEXT_PEER (PERM|10): the node's failcode when it has no channel to the first hop. */
const FIRST_PEER_UNKNOWN = 0x4000 | 10;

/** What the payment flow needs from the node (host/node/client.ts LightningRpcClient). */
export interface PayNode {
  getinfo(): Promise<{ blockheight: number; id: string }>;
  sendonion(p: {
    onion: string;
    first_hop: { id: string; amount_msat: bigint; delay: number; channel?: string };
    payment_hash: string;
    label?: string;
    shared_secrets?: string[];
    partid?: bigint;
    bolt11?: string;
    amount_msat?: bigint;
    destination?: string;
    groupid?: bigint;
    description?: string;
    total_amount_msat?: bigint;
  }): Promise<unknown>;
  waitsendpay(p: { payment_hash: string; timeout?: number; partid?: bigint; groupid?: bigint }): Promise<{ payment_preimage?: string }>;
  listsendpays(p: { payment_hash?: string }): Promise<Array<{ partid?: bigint; groupid: bigint; status: string; payment_preimage?: string }>>;
}

/** A JSON-RPC error from the node (LightningRpcError): code, message, data. */
interface NodeError { code: number; message: string; data?: unknown; method?: string }
const isNodeError = (e: unknown): e is NodeError =>
  typeof e === 'object' && e !== null && typeof (e as NodeError).code === 'number' && (e as Error).name === 'LightningRpcError';

/** What the payment flow needs from the device. */
export interface OnionDevice {
  nodeId: string;
  buildOnion(req: BuildOnionRequest): Promise<BuiltOnion>;
  /** pay_failed (BOLT 12 parts): the device decodes the node's onionreply
   *  with the part's shared secrets, which only it holds, and releases the part. */
  payFailed?(part: PayInvoicePart, onionreply: Uint8Array): Promise<PartFailure>;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

/** BOLT 4 hop payloads for a sendpay route (cln-rpc-digest §5.2); `base` = height + 1. */
export function routePayloads(route: Hop[], base: number, r: { paymentSecret?: string; totalMsat: bigint; paymentMetadata?: string }): Uint8Array[] {
  return route.map((h, i) => {
    const last = i === route.length - 1;
    if (!last) {
      const next = route[i + 1];
      return withLength(encodeHopPayload({ amountMsat: next.amountMsat, cltv: base + next.delay, shortChannelId: scidBytes(next.channel) }));
    }
    return withLength(encodeHopPayload({
      amountMsat: h.amountMsat,
      cltv: base + h.delay,
      // §5.2 / digest §9.12: payment_data only when a payment_secret was given.
      paymentSecret: r.paymentSecret ? bytes(r.paymentSecret) : undefined,
      totalMsat: r.paymentSecret ? r.totalMsat : undefined,
      paymentMetadata: r.paymentMetadata ? bytes(r.paymentMetadata) : undefined,
    }));
  });
}

/** CLN preapproveinvoice's "declined" code: the signer's policy refused the payment. */
export const PAY_INVOICE_PREAPPROVAL_DECLINED = 213;

/**
 * A device refusal as a CLN-style error: the spending policy (ERR_POLICY) is
 * 213, the code Core Lightning uses when its signer declines a payment
 * (preapproveinvoice); anything else is -1 with the device's reason.
 */
export function deviceRefusal(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  if (e instanceof DeviceError) {
    const name = statusName(e.status);
    if (name === 'ERR_POLICY') {
      const limit = POLICY_LIMIT_TEXT[e.detail] ?? `limit ${e.detail}`;
      return new RpcError(PAY_INVOICE_PREAPPROVAL_DECLINED, `The signing device declined the payment: ${limit}`, { device_status: name, device_detail: e.detail });
    }
    // A payment above the device's confirmation threshold that the user did not approve.
    if (name === 'ERR_CONFIRM_DENIED' || name === 'ERR_CONFIRM_TIMEOUT') {
      const why = name === 'ERR_CONFIRM_DENIED' ? 'denied on the device' : 'not confirmed on the device in time';
      return new RpcError(PAY_INVOICE_PREAPPROVAL_DECLINED, `The signing device declined the payment: ${why}`, { device_status: name, device_detail: e.detail });
    }
    if (name === 'ERR_CONFIRM_BUSY') {
      return new RpcError(ErrorCode.LIGHTNINGD, 'The signing device is waiting for a confirmation of another request; try again once it is answered', { device_status: name, device_detail: e.detail });
    }
    return new RpcError(ErrorCode.LIGHTNINGD, `The signing device refused to build the onion: ${e.message}`, { device_status: name, device_detail: e.detail });
  }
  return new RpcError(ErrorCode.LIGHTNINGD, `The signing device did not build the onion: ${(e as Error).message}`);
}


/** One part of a BOLT 12 payment (pay): what is recorded, and how the device builds it. */
export interface DevicePartRequest {
  paymentHash: string;
  partid: bigint;
  groupid: bigint;
  /** What this part delivers to the recipient, and the invoice amount (MPP total). */
  finalMsat: bigint;
  totalMsat: bigint;
  destination: string;
  /** Onion hop node ids (clear, then blinded) and the clear channels (blinded hops: "0x0x0"). */
  routeNodes: string[];
  routeChannels: string[];
  label?: string;
  bolt12: string;
  description?: string;
  localinvreqid?: string;
  firstHop: { id: string; amountMsat: bigint; channel?: string; delay: (blockheight: number) => number };
  /** The device builds the part (pay_invoice), given the node's block height:
   *  the onion, the part ref and the pay_invoice payload it was built from
   *  (kept: pay_failed sends it back; no shared secret leaves the device). */
  build(blockheight: number): Promise<{ onion: Uint8Array; partRef: Uint8Array; payRequest: Uint8Array }>;
}

export interface EngineLog { info(m: string): void; warn(m: string): void; error(m: string): void }

export class PaymentEngine {
  private readonly waiters = new Map<number, Set<() => void>>();
  private readonly tracked = new Set<number>();
  /** Parts this process is sending right now (between reserve and the node's answer):
   *  in doubt only if the process dies, so reconciliation leaves them alone. */
  private readonly sending = new Set<number>();
  private stopped = false;
  private reconciled = false;
  /** The node's id (erring_index 0 = us), from its getinfo. */
  private nodeId: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly node: PayNode | undefined,
    private readonly device: () => OnionDevice,
    private readonly log: EngineLog,
    /** Called after a part is written pending and its onion stored, before sendonion (tests kill here). */
    private readonly hooks: {
      beforeSendonion?: (p: PaymentRecord) => void | Promise<void>;
      afterSendonion?: (p: PaymentRecord) => void | Promise<void>;
    } = {},
  ) {}

  private requireNode(): PayNode {
    if (!this.node) throw new RpcError(ErrorCode.LIGHTNINGD, 'No Core Lightning node connected (start the daemon with --lightning-rpc <socket>)');
    return this.node;
  }

  /** Start-up: reconcile parts in doubt, then track every part the node has. */
  async start(): Promise<void> {
    if (!this.node) return;
    for (const p of this.store.payments.inFlight()) this.track(p);
    try {
      await this.reconcile();
      this.reconciled = true;
    } catch (e) {
      this.log.warn(`payments: could not reconcile with the node yet: ${(e as Error).message}`);
      this.scheduleReconcile();
    }
  }

  private retryTimer: NodeJS.Timeout | undefined;

  /** Keeps asking the node about parts in doubt until it answers (so their waitsendpay ends). */
  private scheduleReconcile(delayMs = 1000): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.reconcile().then(
        () => { this.reconciled = true; },
        (e) => {
          this.log.warn(`payments: reconciliation failed again: ${(e as Error).message}`);
          this.scheduleReconcile(Math.min(delayMs * 2, 30_000));
        },
      );
    }, delayMs);
    this.retryTimer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const set of this.waiters.values()) for (const w of set) w();
  }

  /**
   * Parts still 'reserved' or 'onion' (the daemon stopped between its write
   * and the node's answer) against the node's listsendpays for their hash.
   */
  async reconcile(paymentHash?: string): Promise<void> {
    const node = this.requireNode();
    const doubt = this.store.payments.inDoubt()
      .filter((p) => !this.sending.has(p.id) && (paymentHash === undefined || p.paymentHash === paymentHash));
    const hashes = [...new Set(doubt.map((p) => p.paymentHash))];
    for (const h of hashes) {
      const known = await node.listsendpays({ payment_hash: h });
      for (const p of doubt.filter((d) => d.paymentHash === h)) {
        const n = known.find((k) => (k.partid ?? 0n) === p.partid && k.groupid === p.groupid);
        if (n) {
          // The node has it: never send it again; follow it to its end.
          this.log.info(`payments: part ${p.id} (${h} ${p.groupid}/${p.partid}) is known to the node (${n.status}); adopted`);
          this.store.payments.markSent(p.id);
          if (n.status === 'complete' && n.payment_preimage) {
            this.store.payments.complete(p.id, n.payment_preimage);
            this.wake(p.id);
          } else {
            this.track(this.store.payments.byId(p.id)!);
          }
        } else {
          // The node confirms it has no such part: it was never sent.
          this.log.info(`payments: part ${p.id} (${h} ${p.groupid}/${p.partid}) was never sent; marked failed`);
          this.store.payments.fail(p.id, {
            code: PayCode.PAY_UNSPECIFIED_ERROR,
            message: 'Payment failure reason unknown: the daemon stopped before the node accepted this part; it was never sent',
          }, { stage: 'unsent' });
          this.wake(p.id);
        }
      }
    }
  }

  async sendpay(r: SendpayRequest) {
    const amounts = checkAmounts(r);
    const node = this.requireNode();
    const device = this.device();
    // Never decide about a hash while one of its parts is in doubt.
    if (!this.reconciled || this.store.payments.inDoubt().some((p) => p.paymentHash === r.paymentHash && !this.sending.has(p.id))) {
      await this.reconcile(r.paymentHash);
    }
    const info = await node.getinfo();
    this.nodeId = info.id;
    const res = this.store.payments.reserve<PaymentRecord>(r.paymentHash, (rows) => {
      const pr = checkProgress(rows, r, amounts);
      if (pr.kind === 'existing') return { existing: pr.record };
      if (r.localinvreqid !== undefined) {
        checkInvoiceRequest(r.localinvreqid, r.paymentHash, this.store.invoiceRequests.get(r.localinvreqid),
          this.store.payments.byInvoiceRequest(r.localinvreqid));
      }
      return { insert: newPart(r, amounts, pr.groupid) };
    });
    if ('existing' in res) return paymentEntry(res.existing, { message: true });
    const part = res.inserted;
    this.sending.add(part.id);
    try {
      return await this.sendPart(r, amounts, part, info.blockheight, node, device);
    } finally {
      this.sending.delete(part.id);
    }
  }

  private async sendPart(
    r: SendpayRequest, amounts: ReturnType<typeof checkAmounts>, part: PaymentRecord, height: number, node: PayNode, device: OnionDevice,
  ) {
    // The device builds the onion; a refusal leaves nothing sent and no part.
    let built: { onion: Uint8Array; sharedSecrets: Uint8Array[] };
    try {
      const payloads = routePayloads(r.route, height + 1, {
        paymentSecret: r.paymentSecret, totalMsat: amounts.total, paymentMetadata: r.paymentMetadata,
      });
      built = await device.buildOnion({
        hops: r.route.map((h, i) => ({ pubkey: bytes(h.id), payload: payloads[i] })),
        assocData: bytes(r.paymentHash),
        partId: r.partid,
        firstHopAmountMsat: amounts.sent,
        onConfirm: r.onConfirm,
      });
    } catch (e) {
      // Nothing was sent: the part is removed, as CLN keeps no record of a part it never sent.
      this.store.payments.removeReserved(part.id);
      throw deviceRefusal(e);
    }
    const secrets = built.sharedSecrets.map(hex);
    this.store.payments.setOnion(part.id, secrets);
    const sent = await this.dispatch(part, {
      onion: hex(built.onion),
      first_hop: { id: r.route[0].id, amount_msat: r.route[0].amountMsat, delay: r.route[0].delay, channel: r.route[0].channel },
      payment_hash: r.paymentHash,
      label: r.label,
      shared_secrets: secrets,
      partid: r.partid,
      bolt11: r.bolt11,
      amount_msat: amounts.final,
      destination: amounts.destination,
      groupid: part.groupid,
      description: r.description,
      total_amount_msat: r.partid !== 0n ? amounts.total : undefined,
    }, node);
    return paymentEntry(sent, { message: true });
  }

  /**
   * pay (BOLT 12, host/payer/pay.ts): one part of an invoice whose onion the
   * device builds with pay_invoice. Same rules, store and recovery as
   * sendpay: the part is reserved (check_progress) in one transaction, the
   * device builds it (`build`; a refusal removes the reservation and is
   * rethrown as is), its part ref, pay_invoice payload and onion are written
   * before the node sees it, and it is tracked to its end. sendonion gets no
   * shared secrets (the host has none), so a failure comes back as 202 with
   * the node's onionreply, which the device decodes (pay_failed: it releases
   * the part and returns the erring hop and failure message); the part is
   * recorded with CLN's decoded failure fields. Returns the sent part.
   */
  async sendDevicePart(r: DevicePartRequest): Promise<PaymentRecord> {
    const node = this.requireNode();
    if (!this.reconciled || this.store.payments.inDoubt().some((p) => p.paymentHash === r.paymentHash && !this.sending.has(p.id))) {
      await this.reconcile(r.paymentHash);
    }
    const info = await node.getinfo();
    this.nodeId = info.id;
    const amounts = { final: r.finalMsat, total: r.totalMsat, sent: r.firstHop.amountMsat, destination: r.destination };
    const sreq: SendpayRequest = { route: [], paymentHash: r.paymentHash, partid: r.partid, groupid: r.groupid, amountMsat: r.totalMsat };
    const res = this.store.payments.reserve<PaymentRecord>(r.paymentHash, (rows) => {
      const pr = checkProgress(rows, sreq, amounts);
      if (pr.kind === 'existing') throw new RpcError(PayCode.PAY_IN_PROGRESS, `Part ${r.partid} of group ${r.groupid} already exists (${pr.record.status})`);
      if (r.localinvreqid !== undefined) {
        checkInvoiceRequest(r.localinvreqid, r.paymentHash, this.store.invoiceRequests.get(r.localinvreqid), this.store.payments.byInvoiceRequest(r.localinvreqid));
      }
      return {
        insert: {
          paymentHash: r.paymentHash, groupid: pr.groupid, partid: r.partid, amountMsat: r.finalMsat, totalMsat: r.totalMsat,
          amountSentMsat: r.firstHop.amountMsat, destination: r.destination, routeNodes: r.routeNodes, routeChannels: r.routeChannels,
          label: r.label, bolt12: r.bolt12, description: r.description, localinvreqid: r.localinvreqid,
        },
      };
    });
    if ('existing' in res) throw new Error('unreachable');
    const part = res.inserted;
    this.sending.add(part.id);
    try {
      let built: { onion: Uint8Array; partRef: Uint8Array; payRequest: Uint8Array };
      try {
        built = await r.build(info.blockheight);
      } catch (e) {
        this.store.payments.removeReserved(part.id);
        throw e;
      }
      const delay = r.firstHop.delay(info.blockheight);
      // sendonion: the HTLC's cltv_expiry = height + 1 + delay (§6).
      this.store.payments.setDevicePart(part.id, hex(built.partRef), hex(built.payRequest), hex(built.onion), info.blockheight + 1 + delay);
      return await this.dispatch(part, {
        onion: hex(built.onion),
        first_hop: { id: r.firstHop.id, amount_msat: r.firstHop.amountMsat, delay, channel: r.firstHop.channel },
        payment_hash: r.paymentHash,
        label: r.label,
        partid: r.partid,
        bolt11: r.bolt12,
        amount_msat: r.finalMsat,
        destination: r.destination,
        groupid: part.groupid,
        description: r.description,
        total_amount_msat: r.totalMsat,
      }, node);
    } finally {
      this.sending.delete(part.id);
    }
  }

  /** Resolves with the part once it is complete or failed (or the engine stops). */
  async settled(id: number, deadlineMs?: number): Promise<PaymentRecord> {
    for (;;) {
      const p = this.store.payments.byId(id)!;
      if (p.status !== 'pending' || this.stopped) return p;
      const left = deadlineMs === undefined ? undefined : deadlineMs - Date.now();
      if (left !== undefined && left <= 0) return p;
      await new Promise<void>((resolve) => {
        const set = this.waiters.get(id) ?? new Set();
        this.waiters.set(id, set);
        let timer: NodeJS.Timeout | undefined;
        const done = () => { if (timer) clearTimeout(timer); set.delete(done); resolve(); };
        set.add(done);
        if (left !== undefined) timer = setTimeout(done, left);
      });
    }
  }

  /** The part's onion to the node (its secrets already stored): the hooks, sendonion, then tracking. */
  private async dispatch(part: PaymentRecord, args: Parameters<PayNode['sendonion']>[0], node: PayNode): Promise<PaymentRecord> {
    await this.hooks.beforeSendonion?.(part);
    const r = { paymentHash: args.payment_hash, partid: args.partid ?? 0n, route: [{ id: args.first_hop.id }] };
    try {
      await node.sendonion(args);
    } catch (e) {
      if (isNodeError(e)) {
        const d = (e.data ?? {}) as Record<string, unknown>;
        // CLN (lightningd/pay.c send_payment_core): no channel to the first
        // peer fails the call before the payment is stored: no record.
        if (e.code === PayCode.PAY_TRY_OTHER_ROUTE && d.failcode === FIRST_PEER_UNKNOWN && (d.erring_index ?? 0) === 0) {
          this.store.payments.removeUnsent(part.id);
          this.wake(part.id);
          this.log.info(`payments: ${r.paymentHash} part ${r.partid}: the node has no channel to the first peer ${r.route[0].id}; nothing stored`);
          throw new RpcError(e.code, e.message, e.data);
        }
        // The node refused it (no part there): the part failed, unsent.
        this.store.payments.fail(part.id, {
          code: e.code,
          message: e.message,
          erringIndex: typeof d.erring_index === 'number' ? d.erring_index : undefined,
          failcode: typeof d.failcode === 'number' ? d.failcode : undefined,
          failcodename: typeof d.failcodename === 'string' ? d.failcodename : undefined,
          erringNode: typeof d.erring_node === 'string' ? d.erring_node : undefined,
          erringChannel: typeof d.erring_channel === 'string' ? d.erring_channel : undefined,
          erringDirection: typeof d.erring_direction === 'number' ? d.erring_direction : undefined,
        }, { stage: 'unsent' });
        this.wake(part.id);
        throw new RpcError(e.code, e.message, e.data);
      }
      // Lost the node mid-call: the part stays in doubt until reconciled.
      this.reconciled = false;
      this.scheduleReconcile();
      throw new RpcError(ErrorCode.LIGHTNINGD,
        `Lost the node while sending part ${part.partid} of ${r.paymentHash}: ${(e as Error).message}; it stays pending until the node is asked again`);
    }
    await this.hooks.afterSendonion?.(part);
    this.store.payments.markSent(part.id);
    const sent = this.store.payments.byId(part.id)!;
    this.log.info(`payments: sent ${r.paymentHash} part ${part.partid} group ${part.groupid}: ${part.amountSentMsat} msat via ${r.route[0].id}`);
    this.track(sent);
    return sent;
  }

  /** Follows one sent part on the node until it completes or fails. */
  private track(p: PaymentRecord): void {
    if (this.tracked.has(p.id) || !this.node) return;
    this.tracked.add(p.id);
    const node = this.node;
    const run = async (): Promise<void> => {
      while (!this.stopped) {
        try {
          const ok = await node.waitsendpay({ payment_hash: p.paymentHash, partid: p.partid, groupid: p.groupid });
          if (!ok.payment_preimage) throw new Error('complete payment without a preimage');
          this.store.payments.complete(p.id, ok.payment_preimage);
          this.log.info(`payments: ${p.paymentHash} part ${p.partid} group ${p.groupid} complete`);
          break;
        } catch (e) {
          if (this.stopped) break;
          if (isNodeError(e) && e.code >= 202 && e.code <= 204) {
            const { failure, released } = await this.failureOf(p, e);
            this.store.payments.fail(p.id, failure, { released });
            this.log.info(`payments: ${p.paymentHash} part ${p.partid} group ${p.groupid} failed: ${e.code} ${cut(e.message)}`);
            break;
          }
          if (isNodeError(e) && e.code === PayCode.PAY_NO_SUCH_PAYMENT) {
            this.store.payments.fail(p.id, { code: PayCode.PAY_UNSPECIFIED_ERROR, message: `Payment failure reason unknown: ${e.message}` });
            break;
          }
          this.log.warn(`payments: waiting for part ${p.id} on the node: ${(e as Error).message}; retrying`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      this.tracked.delete(p.id);
      this.wake(p.id);
    };
    void run();
  }

  /** The node's 202/203/204 turned into our failure fields, with the route we stored
   *  (`released`: the device was told, pay_failed). */
  private async failureOf(p: PaymentRecord, e: NodeError): Promise<{ failure: PaymentFailure; released?: boolean }> {
    const d = (e.data ?? {}) as Record<string, unknown>;
    const ourId = this.ourId();
    if (typeof d.onionreply === 'string' && p.payRequest !== undefined) {
      // A device-built (pay) part: only the device holds its shared secrets.
      // pay_failed decodes the onionreply and releases the part; until the
      // device has seen it (unreachable now, or the onion verifies at no hop)
      // the part stays 202 "Malformed error reply" with its onion kept (pay
      // shows it to the device again: host/payer/pay.ts).
      const undecoded: PaymentFailure = { code: PayCode.PAY_UNPARSEABLE_ONION, message: 'Malformed error reply', erroronion: d.onionreply };
      let dev: OnionDevice | undefined;
      try {
        dev = this.device();
      } catch {
        dev = undefined;
      }
      if (!dev?.payFailed) return { failure: undecoded };
      try {
        const f = await dev.payFailed(decodePayInvoice(bytes(p.payRequest)), bytes(d.onionreply));
        this.log.info(`payments: ${p.paymentHash} part ${p.partid}: the device decoded the failure (hop ${f.erringIndex}, failcode 0x${f.failcode.toString(16)}) and released the part`);
        return { failure: deviceFailure(routeOf(p, ourId), f, d.onionreply), released: true };
      } catch (x) {
        this.log.warn(`payments: ${p.paymentHash} part ${p.partid}: the device did not decode the failure: ${(x as Error).message}`);
        // Unknown to the device (PAY_RULE_FAILURE reason 1): it released the
        // part already (a resend after its reply was lost) or dropped it:
        // nothing more to tell it; the failure stays undecoded.
        const gone = x instanceof DeviceError && x.status === P.ERR_PAY_RULE && x.detail === (P.PAY_RULE_FAILURE | (1 << 8));
        return { failure: undecoded, released: gone || undefined };
      }
    }
    if (typeof d.onionreply === 'string' && p.sharedSecrets) {
      // §6: the node could not decode it; we can, with the stored secrets.
      return { failure: decodeFailure(routeOf(p, ourId), p.sharedSecrets, d.onionreply) };
    }
    if (typeof d.erring_index === 'number' && typeof d.failcode === 'number' && d.erring_index > 0) {
      // sendonion with shared_secrets: the node decoded it but cannot know the
      // route (always 204, no erring node/channel); classify with our route (§5.6).
      return { failure: classify(routeOf(p, ourId), d.erring_index, d.failcode, typeof d.raw_message === 'string' ? d.raw_message : undefined, false) };
    }
    // A local failure (erring_index 0): the node's own words.
    return { failure: {
      code: e.code,
      message: e.message,
      erringIndex: typeof d.erring_index === 'number' ? d.erring_index : undefined,
      failcode: typeof d.failcode === 'number' ? d.failcode : undefined,
      failcodename: typeof d.failcodename === 'string' ? d.failcodename : undefined,
      erringNode: typeof d.erring_node === 'string' ? d.erring_node : undefined,
      erringChannel: typeof d.erring_channel === 'string' ? d.erring_channel : undefined,
      erringDirection: typeof d.erring_direction === 'number' ? d.erring_direction : undefined,
      rawMessage: typeof d.raw_message === 'string' ? d.raw_message : undefined,
      erroronion: typeof d.onionreply === 'string' ? d.onionreply : undefined,
    } };
  }

  private ourId(): string {
    if (this.nodeId) return this.nodeId;
    try {
      return this.device().nodeId;
    } catch {
      return '';
    }
  }

  private wake(id: number): void {
    const set = this.waiters.get(id);
    if (!set) return;
    this.waiters.delete(id);
    for (const w of set) w();
  }

  /** waitsendpay (§1.15). */
  async waitsendpay(paymentHash: string, timeout: number | undefined, partid: bigint, groupid: bigint | undefined) {
    const rows = this.store.payments.byHash(paymentHash);
    let g = groupid;
    if (g === undefined) for (const p of rows) if (g === undefined || p.groupid > g) g = p.groupid;
    let part = rows.find((p) => p.partid === partid && p.groupid === g);
    if (!part) throw new RpcError(PayCode.PAY_NO_SUCH_PAYMENT, `Never attempted payment part ${partid} for '${paymentHash}'`);
    const deadline = timeout === undefined ? undefined : Date.now() + timeout * 1000;
    for (;;) {
      part = this.store.payments.byId(part.id)!;
      if (part.status === 'complete') return paymentEntry(part);
      if (part.status === 'failed') {
        const f = part.failure;
        if (!f) throw new RpcError(PayCode.PAY_UNSPECIFIED_ERROR, 'Payment failure reason unknown');
        if (f.erringIndex === undefined && f.erroronion === undefined) throw new RpcError(f.code, f.message, paymentEntry(part));
        throw new RpcError(f.code, f.message, failureData(part, f));
      }
      if (this.stopped) throw new RpcError(ErrorCode.SHUTTING_DOWN, 'lnsigner is shutting down');
      const left = deadline === undefined ? undefined : deadline - Date.now();
      if (left !== undefined && left <= 0) throw new RpcError(PayCode.PAY_IN_PROGRESS, 'Timed out while waiting');
      await new Promise<void>((resolve) => {
        const set = this.waiters.get(part!.id) ?? new Set();
        this.waiters.set(part!.id, set);
        let timer: NodeJS.Timeout | undefined;
        const done = () => { if (timer) clearTimeout(timer); set.delete(done); resolve(); };
        set.add(done);
        if (left !== undefined) timer = setTimeout(done, left);
      });
    }
  }
}
