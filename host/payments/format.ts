// Payment objects as Core Lightning prints them (lightningd/pay.c
// json_add_payment_fields; field order of the schema examples).
import type { PaymentFailure, PaymentRecord } from '../store/index.js';

export const MONITOR_MESSAGE = 'Monitor status with listpays or waitsendpay';

export function paymentEntry(p: PaymentRecord, opts: { message?: boolean; erroronion?: boolean } = {}) {
  return {
    // sendpay: the message comes first, and only while pending (§1.14).
    message: opts.message && p.status === 'pending' ? MONITOR_MESSAGE : undefined,
    created_index: p.id,
    id: p.id,
    payment_hash: p.paymentHash,
    groupid: p.groupid,
    updated_index: p.updatedIndex,
    partid: p.partid !== 0n ? p.partid : undefined,
    destination: p.destination,
    amount_msat: p.amountMsat !== 0n ? p.amountMsat : undefined,
    amount_sent_msat: p.amountSentMsat,
    created_at: p.createdAt,
    completed_at: p.completedAt,
    status: p.status,
    payment_preimage: p.paymentPreimage,
    label: p.label,
    bolt11: p.bolt11,
    bolt12: p.bolt12,
    description: p.description,
    // listsendpays: failed parts whose error onion could not be decoded (§1.16).
    // (a pay part keeps its decoded onion for the device; it is shown only when undecodable).
    erroronion: opts.erroronion && p.status === 'failed' && p.failure?.erringIndex === undefined ? p.failure?.erroronion : undefined,
  };
}

/** waitsendpay's error `data`: the payment fields + the routing failure fields (§5.6). */
export function failureData(p: PaymentRecord, f: PaymentFailure) {
  return {
    ...paymentEntry(p),
    erring_index: f.erringIndex,
    failcode: f.failcode,
    failcodename: f.failcodename,
    erring_node: f.erringNode,
    erring_channel: f.erringChannel,
    erring_direction: f.erringDirection,
    raw_message: f.rawMessage,
    onionreply: f.erringIndex === undefined ? f.erroronion : undefined,
  };
}
