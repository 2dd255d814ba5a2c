// sendpay's amount, MPP and idempotency rules (cln-rpc-digest §5.3, §5.4;
// seed 004). Pure functions over the hash's stored parts, run inside the
// store transaction that inserts the new part.
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { NewPayment, PaymentRecord } from '../store/index.js';
import type { Hop } from './route.js';

export const PayCode = {
  PAY_IN_PROGRESS: 200,
  PAY_RHASH_ALREADY_USED: 201,
  PAY_UNPARSEABLE_ONION: 202,
  PAY_DESTINATION_PERM_FAIL: 203,
  PAY_TRY_OTHER_ROUTE: 204,
  PAY_NO_SUCH_PAYMENT: 208,
  PAY_UNSPECIFIED_ERROR: 209,
} as const;

const fmt = (m: bigint) => `${m}msat`;

export interface SendpayRequest {
  route: Hop[];
  paymentHash: string;
  label?: string;
  /** amount_msat (or the seed's `msatoshi`): the total. */
  amountMsat?: bigint;
  bolt11?: string;
  paymentSecret?: string;
  partid: bigint;
  groupid?: bigint;
  paymentMetadata?: string;
  description?: string;
  /** One of our invoice_requests this pays an invoice for (§5.5). */
  localinvreqid?: string;
  /** Told when the device waits for a press before building the onion. */
  onConfirm?: (info: { request: string; text?: string }) => void;
}

/** The amounts a request implies, after the parameter-level checks of §5.3 / §5.4. */
export interface PartAmounts {
  /** This part's final amount (route's last hop). */
  final: bigint;
  /** MPP total: amount_msat when given, else the final amount (what payment_data carries). */
  total: bigint;
  /** route[0]'s amount: what leaves our channel. */
  sent: bigint;
  destination: string;
}

/** Checks that need only the request (CLN json_sendpay before check_progress). */
export function checkAmounts(r: SendpayRequest): PartAmounts {
  if (r.route.length === 0) {
    // §5.4 self-payment.
    if (r.amountMsat === undefined) throw new RpcError(ErrorCode.INVALID_PARAMS, 'Self-payment requires amount_msat');
    if (r.partid !== 0n) throw new RpcError(ErrorCode.INVALID_PARAMS, 'Self-payment does not allow (non-zero) partid');
    // The invoices live on the node, not here: we cannot settle one locally.
    throw new RpcError(ErrorCode.LIGHTNINGD, 'Self-payment is not supported: lnsigner holds no invoices (pay through the node)');
  }
  const final = r.route[r.route.length - 1].amountMsat;
  if (r.partid !== 0n) {
    // §5.3 / seed 004: "The msatoshi amount must be provided if partid is non-zero".
    if (r.amountMsat === undefined) throw new RpcError(ErrorCode.INVALID_PARAMS, 'Must specify msatoshi with partid');
    // seed 004: payment_secret "is required if partid is non-zero".
    if (r.paymentSecret === undefined) throw new RpcError(ErrorCode.INVALID_PARAMS, 'partid requires payment_secret');
    // §5.3: a part cannot deliver more than the whole.
    if (final > r.amountMsat) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, `Final amount ${fmt(final)} is greater than ${fmt(r.amountMsat)}, despite MPP`);
    }
  } else if (r.amountMsat !== undefined && r.amountMsat !== final) {
    // seed 004: "otherwise it must be equal to the final amount to the destination".
    throw new RpcError(
      ErrorCode.INVALID_PARAMS,
      `Do not specify msatoshi (${fmt(r.amountMsat)}) without partid: if you do, it must be exactly the final amount (${fmt(final)})`,
    );
  }
  return { final, total: r.amountMsat ?? final, sent: r.route[0].amountMsat, destination: r.route[r.route.length - 1].id };
}

/** CLN's default groupid: one more than the largest used for the hash (1 for a new hash). */
export function defaultGroupid(rows: PaymentRecord[]): bigint {
  let max = 0n;
  for (const p of rows) if (p.groupid > max) max = p.groupid;
  return max + 1n;
}

export type Progress = { kind: 'new'; groupid: bigint } | { kind: 'existing'; record: PaymentRecord };

/**
 * CLN check_progress, in its order, against every stored part of the hash.
 * Returns an existing part to answer with (complete, or the same pending part),
 * or permission to insert; throws the CLN error otherwise.
 */
export function checkProgress(rows: PaymentRecord[], r: SendpayRequest, a: PartAmounts): Progress {
  const groupid = r.groupid ?? defaultGroupid(rows);
  let pendingSum = 0n;
  for (const p of rows) {
    if (p.status === 'complete') {
      // §5.4: success is idempotent only for the same partid.
      if (p.partid !== r.partid) throw new RpcError(PayCode.PAY_RHASH_ALREADY_USED, 'Already succeeded other parts');
      // seed 004: "calls to sendpay with the same payment_hash but a different
      // msatoshi or destination will fail; this prevents accidental multiple payments".
      if (p.amountMsat !== a.final) {
        throw new RpcError(PayCode.PAY_RHASH_ALREADY_USED, `Already succeeded with amount ${fmt(p.amountMsat)} (not ${fmt(a.final)})`);
      }
      if (p.destination !== undefined && p.destination !== a.destination) {
        throw new RpcError(PayCode.PAY_RHASH_ALREADY_USED, `Already succeeded to ${p.destination}`);
      }
      // seed 004: "... same payment_hash, msatoshi, and destination as a previous
      // successful payment ... will return immediately with success".
      return { kind: 'existing', record: p };
    }
    if (p.status === 'pending') {
      // §5.3: at most one group pending per hash.
      if (p.groupid !== groupid) {
        throw new RpcError(PayCode.PAY_IN_PROGRESS, `Payment with groupid=${p.groupid} still in progress, cannot retry before that completes.`);
      }
      // §5.3: no mixing of partid 0 and parallel parts.
      if ((p.partid === 0n) !== (r.partid === 0n)) {
        throw new RpcError(PayCode.PAY_IN_PROGRESS, `Already have ${p.partid !== 0n ? 'parallel' : 'non-parallel'} payment in progress`);
      }
      if (p.partid === r.partid) {
        // §5.4: the same pending part again: same details => "in progress", else 201.
        if (p.amountMsat !== a.final) {
          throw new RpcError(PayCode.PAY_RHASH_ALREADY_USED, `Already pending with amount ${fmt(p.amountMsat)} (not ${fmt(a.final)})`);
        }
        if (p.destination !== undefined && p.destination !== a.destination) {
          throw new RpcError(PayCode.PAY_RHASH_ALREADY_USED, `Already pending to ${p.destination}`);
        }
        return { kind: 'existing', record: p };
      }
      // §5.3: all pending parts agree on the total.
      if (p.totalMsat !== a.total) {
        throw new RpcError(ErrorCode.INVALID_PARAMS, `msatoshi was previously ${fmt(p.totalMsat)}, now ${fmt(a.total)}`);
      }
      pendingSum += p.amountMsat;
    }
    // failed parts never block (§5.4), except the exact key below.
  }
  // §5.3 / seed 004: "sendpay will fail if there are already msatoshi worth of payments pending".
  if (a.total !== 0n && pendingSum >= a.total) {
    throw new RpcError(PayCode.PAY_IN_PROGRESS, `Already have ${fmt(pendingSum)} of ${fmt(a.total)} payments in progress`);
  }
  // §5.3: (payment_hash, partid, groupid) is the key; a failed part keeps it.
  if (rows.some((p) => p.partid === r.partid && p.groupid === groupid)) {
    throw new RpcError(
      PayCode.PAY_RHASH_ALREADY_USED,
      `There already is a payment with payment_hash=${r.paymentHash}, groupid=${groupid}, partid=${r.partid}. ` +
        'Either change the partid, or wait for the payment to complete and start a new group.',
    );
  }
  return { kind: 'new', groupid };
}

/** The row to insert for a new part. */
export function newPart(r: SendpayRequest, a: PartAmounts, groupid: bigint): NewPayment {
  const bolt12 = r.bolt11?.startsWith('lni') ? r.bolt11 : undefined;
  return {
    paymentHash: r.paymentHash,
    groupid,
    partid: r.partid,
    amountMsat: a.final,
    totalMsat: a.total,
    amountSentMsat: a.sent,
    destination: a.destination,
    routeNodes: r.route.map((h) => h.id),
    routeChannels: r.route.map((h) => h.channel),
    label: r.label,
    bolt11: bolt12 ? undefined : r.bolt11,
    bolt12,
    description: r.description,
    localinvreqid: r.localinvreqid,
  };
}

export const PAY_INVOICE_REQUEST_INVALID = 212;

/**
 * §5.5 localinvreqid checks (error 212): the invoice_request must be ours and
 * active; a single-use one may not already be paid, or in progress, by another
 * payment hash (a failed payment does not block).
 */
export function checkInvoiceRequest(
  invreqId: string, paymentHash: string,
  ir: { active: boolean; singleUse: boolean } | undefined, parts: PaymentRecord[],
): void {
  if (!ir) throw new RpcError(PAY_INVOICE_REQUEST_INVALID, `Unknown invoice_request ${invreqId}`);
  if (!ir.active) throw new RpcError(PAY_INVOICE_REQUEST_INVALID, `Inactive invoice_request ${invreqId}`);
  if (!ir.singleUse) return;
  for (const p of parts) {
    if (p.paymentHash === paymentHash) continue;
    if (p.status === 'complete') throw new RpcError(PAY_INVOICE_REQUEST_INVALID, `Single-use invoice_request already paid with ${p.paymentHash}`);
    if (p.status === 'pending') throw new RpcError(PAY_INVOICE_REQUEST_INVALID, `Single-use invoice_request already in progress with ${p.paymentHash}`);
  }
}
