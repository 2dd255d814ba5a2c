// listpays' grouping (host/payer/pay-list.ts; Core Lightning's json_listpays):
// parts of one (payment_hash, groupid) are one payment; complete if any part
// completed (sums over the completed parts), else pending if one is, else
// failed; number_of_parts only when complete; erroronion from an undecoded
// failure.
import { describe, expect, it } from 'vitest';
import { groupPays } from '../host/payer/pay-list.js';
import type { PaymentRecord } from '../host/store/index.js';

const H1 = '11'.repeat(32);
const H2 = '22'.repeat(32);
let id = 0;
const part = (o: Partial<PaymentRecord>): PaymentRecord => ({
  id: ++id, paymentHash: H1, groupid: 1n, partid: 1n, status: 'complete', stage: 'sent', amountMsat: 1000n, totalMsat: 2000n,
  amountSentMsat: 1001n, destination: '02' + 'aa'.repeat(32), routeNodes: [], routeChannels: [], createdAt: 100 + id, bolt12: 'lni1x', ...o,
});

describe('listpays grouping', () => {
  it('one payment per (hash, groupid), in order of first part; statuses and sums', () => {
    const rows = [
      part({ groupid: 1n, partid: 1n, status: 'failed', completedAt: 150, failure: { code: 204, message: 'x', erringIndex: 1, erroronion: 'ab' } }),
      part({ groupid: 1n, partid: 2n, status: 'complete', paymentPreimage: 'cc'.repeat(32), completedAt: 160 }),
      part({ groupid: 1n, partid: 3n, status: 'complete', paymentPreimage: 'cc'.repeat(32), completedAt: 170 }),
      part({ paymentHash: H2, groupid: 1n, status: 'failed', completedAt: 180, failure: { code: 202, message: 'Malformed error reply', erroronion: 'dead' } }),
      part({ paymentHash: H2, groupid: 2n, partid: 1n, status: 'pending' }),
      part({ paymentHash: H2, groupid: 2n, partid: 2n, status: 'failed', completedAt: 190, failure: { code: 204, message: 'y', erringIndex: 2 } }),
    ];
    const pays = groupPays(rows);
    expect(pays.map((p) => [p.payment_hash, p.status])).toEqual([[H1, 'complete'], [H2, 'failed'], [H2, 'pending']]);
    expect(pays[0]).toMatchObject({ amount_msat: 2000n, amount_sent_msat: 2002n, number_of_parts: 2, preimage: 'cc'.repeat(32), completed_at: 170, created_at: rows[0].createdAt, bolt12: 'lni1x' });
    expect(pays[0].erroronion).toBeUndefined();
    expect(pays[1]).toMatchObject({ amount_msat: 1000n, number_of_parts: undefined, erroronion: 'dead', completed_at: 180 });
    expect(pays[2]).toMatchObject({ status: 'pending', amount_msat: 2000n, completed_at: undefined, preimage: undefined });
  });
});
