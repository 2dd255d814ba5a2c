// listpays [bolt11] [payment_hash] [status] (Core Lightning's pay plugin):
// the parts of listsendpays grouped into payments, one per (payment_hash,
// groupid): complete if a part completed, pending if one still is, else
// failed. Formatting: host/payer/pay-list.ts.
import { defineMethod } from '../rpc/method.js';
import { bad, opt, type ParamParser } from '../rpc/params.js';
import { pSha256 } from '../rpc/param-types.js';
import { requestedPaymentHash } from '../payments/invoice.js';
import { pInvstring } from '../payments/route.js';
import { groupPays } from '../payer/pay-list.js';
import type { CommandContext } from './context.js';

const pStatus: ParamParser<'pending' | 'complete' | 'failed'> = (tok, name) =>
  tok.type === 'string' && ['pending', 'complete', 'failed'].includes(tok.value)
    ? (tok.value as 'pending' | 'complete' | 'failed')
    : bad(name, 'should be one of pending, complete, failed', tok);

export const listpays = defineMethod({
  name: 'listpays',
  summary: 'Payments (parts of listsendpays grouped by payment hash and attempt)',
  params: { bolt11: opt(pInvstring), payment_hash: opt(pSha256), status: opt(pStatus) },
  run({ values: p }, ctx: CommandContext) {
    const hash = requestedPaymentHash(p.bolt11, p.payment_hash);
    const pays = groupPays(ctx.store.payments.list({ paymentHash: hash }));
    return { pays: p.status === undefined ? pays : pays.filter((x) => x.status === p.status) };
  },
});
