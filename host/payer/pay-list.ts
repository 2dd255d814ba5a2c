// listpays' payments (Core Lightning plugins/pay.c json_listpays): the
// listsendpays parts grouped by (payment_hash, groupid), in order of their
// first part. Status: complete if any part completed, else pending if any
// is pending, else failed. Fields: payment_hash, status, destination,
// created_at (first part), completed_at, label, bolt11/bolt12, description,
// amount_msat / amount_sent_msat (sums over the completed parts when
// complete, else over every part), preimage, number_of_parts (complete
// only), erroronion (failed, when one part's onion could not be decoded).
import type { PaymentRecord } from '../store/index.js';

export function groupPays(rows: PaymentRecord[]) {
  const groups = new Map<string, PaymentRecord[]>();
  for (const r of rows) {
    const k = `${r.paymentHash}/${r.groupid}`;
    const g = groups.get(k) ?? [];
    g.push(r);
    groups.set(k, g);
  }
  return [...groups.values()].map((parts) => {
    const done = parts.filter((p) => p.status === 'complete');
    const status = done.length ? 'complete' : parts.some((p) => p.status === 'pending') ? 'pending' : 'failed';
    const counted = status === 'complete' ? done : parts;
    const first = parts[0];
    const amount = counted.reduce((s, p) => s + p.amountMsat, 0n);
    const completedAt = status === 'pending' ? undefined : Math.max(...parts.map((p) => p.completedAt ?? 0)) || undefined;
    const onion = status === 'failed' ? parts.find((p) => p.failure?.erringIndex === undefined && p.failure?.erroronion)?.failure?.erroronion : undefined;
    return {
      payment_hash: first.paymentHash,
      status,
      destination: first.destination,
      created_at: first.createdAt,
      completed_at: completedAt,
      label: first.label,
      bolt11: first.bolt11,
      description: first.description,
      bolt12: first.bolt12,
      amount_msat: amount === 0n ? undefined : amount,
      amount_sent_msat: counted.reduce((s, p) => s + p.amountSentMsat, 0n),
      preimage: done[0]?.paymentPreimage,
      number_of_parts: status === 'complete' ? done.length : undefined,
      erroronion: onion,
    };
  });
}
