// Settling HTLCs for our invoices in `htlc_accepted` (issue 11 item 5;
// cln-offers-flow-digest §2.4): the HTLC's payment hash finds our invoice and
// its payment_secret (the final blinded hop's path_id) must be the invoice's
// path_id. Parts are held until their sum reaches the invoice amount, then the
// device releases the preimage for the signed invoice and the amount
// received, the paid state is committed, and only then is every part
// answered `resolve`. A set that does not complete in time fails with
// incorrect_or_unknown_payment_details. HTLCs lightningd replays after a
// restart find the invoice paid and are resolved with the stored preimage.
import { bytesToHex } from '@noble/hashes/utils.js';
import type { PluginFlowEnv } from '../plugin/flow-types.js';
import type { HookReply } from '../plugin/hooks.js';
import type { InvoiceRecord } from '../store/index.js';
import { decodeBolt12String } from './compat.js';
import type { MerchantEnv } from './invreq.js';

/** BOLT 4 failure codes used here. */
export const PERM = 0x4000;
export const INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS = PERM | 15;
/** CLN's default MPP timeout (lightningd/htlc_set.c: 60 s). */
export const MPP_TIMEOUT_MS = 60_000;

/** BOLT 4: incorrect_or_unknown_payment_details = 0x400f ‖ u64 htlc_msat ‖ u32 height. */
export function incorrectOrUnknown(htlcMsat: bigint, height: number): string {
  const b = new Uint8Array(14);
  const v = new DataView(b.buffer);
  v.setUint16(0, INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS);
  v.setBigUint64(2, htlcMsat);
  v.setUint32(10, height >>> 0);
  return bytesToHex(b);
}

const msat = (v: unknown): bigint | undefined => {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d+(msat)?$/.test(v)) return BigInt(v.replace('msat', ''));
  return undefined;
};

interface Part {
  amount: bigint;
  done(r: HookReply): void;
}

interface HtlcSet {
  parts: Part[];
  timer: NodeJS.Timeout;
  settling?: boolean;
}

export class Settlement {
  private readonly sets = new Map<string, HtlcSet>();

  constructor(
    private readonly m: MerchantEnv,
    private readonly env: Pick<PluginFlowEnv, 'log' | 'blockheight'>,
    private readonly timeoutMs = MPP_TIMEOUT_MS,
    /** TEST-ONLY crash points (device-port.ts devCrash). */
    private readonly crash: (where: string) => void = () => {},
  ) {}

  private fail(amount: bigint): HookReply {
    return { result: 'fail', failure_message: incorrectOrUnknown(amount, this.env.blockheight() ?? 0) };
  }

  /** The htlc_accepted handler: a reply for HTLCs paying our invoices, undefined (continue) for the rest. */
  async onHtlc(p: Record<string, unknown>): Promise<HookReply | undefined> {
    const htlc = p.htlc as Record<string, unknown> | undefined;
    const onion = p.onion as Record<string, unknown> | undefined;
    if (!htlc || typeof htlc.payment_hash !== 'string' || !/^[0-9a-f]{64}$/.test(htlc.payment_hash)) return undefined;
    const inv = this.m.store.invoices.byHash(htlc.payment_hash);
    if (!inv) return undefined; // not ours: lightningd's own invoices, forwards …
    const amount = msat(htlc.amount_msat) ?? 0n;
    // The final hop's path_id arrives as payment_secret (§2.4); it must be the
    // one in this invoice's paths, or the payment did not come through them.
    const secret = onion?.payment_secret;
    if (typeof secret !== 'string' || secret !== inv.pathId) {
      this.env.log('info', `HTLC for invoice ${inv.label} with the wrong path_id: failed`);
      return this.fail(amount);
    }
    if (inv.status === 'paid') {
      // Replayed after a restart (or a late part): the preimage is stored.
      return { result: 'resolve', payment_key: inv.paymentPreimage };
    }
    if (inv.status === 'expired') return this.fail(amount);
    // A single-use offer becomes inactive once paid (issue 11 item 5): an
    // HTLC for another of its invoices is refused (CLN invoice_check_payment:
    // "Attempt to pay already-used offer"). markPaid checks again in its
    // transaction, for two sets completing at once.
    const offer = inv.localOfferId === undefined ? undefined : this.m.store.offers.get(inv.localOfferId);
    if (offer?.singleUse && offer.used) {
      this.env.log('info', `HTLC for invoice ${inv.label}: its single-use offer is already used; failed`);
      return this.fail(amount);
    }
    // BOLT 4 final node: an HTLC whose cltv_expiry is too near the present
    // (less than min_final_cltv_expiry_delta = cltv_final blocks away) fails
    // with incorrect_or_unknown_payment_details.
    const rel = htlc.cltv_expiry_relative;
    if (typeof rel === 'number' && rel < this.m.cltvFinal) return this.fail(amount);
    const total = msat(onion?.total_msat) ?? amount;
    // BOLT 4 final node: total_msat must cover the invoice and not exceed twice it.
    if (total < inv.amountMsat || total > 2n * inv.amountMsat) return this.fail(amount);
    return new Promise<HookReply>((resolve) => this.add(inv, { amount, done: resolve }, total));
  }

  private add(inv: InvoiceRecord, part: Part, total: bigint): void {
    let set = this.sets.get(inv.paymentHash);
    if (!set) {
      set = {
        parts: [],
        timer: setTimeout(() => this.timeout(inv.paymentHash), this.timeoutMs),
      };
      this.sets.set(inv.paymentHash, set);
    }
    set.parts.push(part);
    const sum = set.parts.reduce((a, x) => a + x.amount, 0n);
    if (sum >= total && !set.settling) {
      set.settling = true;
      void this.settle(inv, set, sum);
    }
  }

  private timeout(hash: string): void {
    const set = this.sets.get(hash);
    if (!set || set.settling) return;
    this.sets.delete(hash);
    this.env.log('info', `payment ${hash}: MPP timeout with ${set.parts.length} part(s); failing them`);
    for (const p of set.parts) p.done(this.fail(p.amount));
  }

  private async settle(inv: InvoiceRecord, set: HtlcSet, sum: bigint): Promise<void> {
    clearTimeout(set.timer);
    try {
      const signed = decodeBolt12String(inv.bolt12).bytes;
      const preimage = await this.m.port.releasePreimage(sum, signed);
      this.crash('merchant-before-paid-record');
      // Committed before any part is answered: a crash after this resolves the
      // replayed HTLCs from the store; a crash before it leaves them unanswered,
      // and lightningd replays them.
      const r = this.m.store.invoices.markPaid(inv.paymentHash, sum, bytesToHex(preimage), this.m.now());
      if (!r.ok) throw new Error(`invoice ${inv.label}: ${r.why}`);
      this.crash('merchant-after-paid-record');
      this.env.log('info', `invoice ${inv.label} paid: ${sum} msat in ${set.parts.length} part(s)`);
      this.sets.delete(inv.paymentHash);
      for (const p of set.parts) p.done({ result: 'resolve', payment_key: r.record.paymentPreimage });
    } catch (e) {
      this.env.log('broken', `invoice ${inv.label}: settlement refused: ${(e as Error).message}`);
      this.sets.delete(inv.paymentHash);
      for (const p of set.parts) p.done(this.fail(p.amount));
    }
  }

  stop(): void {
    for (const [, s] of this.sets) clearTimeout(s.timer);
    this.sets.clear();
  }
}


