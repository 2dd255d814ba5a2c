// listsendpays [bolt11] [payment_hash] [status] [index] [start] [limit]
// (cln-rpc-digest §1.16). With a hash or invoice, `status` is ignored.
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { bad, opt, type ParamParser } from '../rpc/params.js';
import { pSha256, pU32, pU64 } from '../rpc/param-types.js';
import { paymentEntry } from '../payments/format.js';
import { requestedPaymentHash } from '../payments/invoice.js';
import { pInvstring } from '../payments/route.js';
import type { CommandContext } from './context.js';

const pStatus: ParamParser<'pending' | 'complete' | 'failed'> = (tok, name) =>
  tok.type === 'string' && ['pending', 'complete', 'failed'].includes(tok.value)
    ? (tok.value as 'pending' | 'complete' | 'failed')
    : bad(name, 'should be an invoice status', tok);
const pIndex: ParamParser<'created' | 'updated'> = (tok, name) =>
  tok.type === 'string' && (tok.value === 'created' || tok.value === 'updated')
    ? tok.value
    : bad(name, "should be 'created' or 'updated'", tok);

export const listsendpays = defineMethod({
  name: 'listsendpays',
  summary: 'List sendpay parts',
  params: {
    bolt11: opt(pInvstring),
    payment_hash: opt(pSha256),
    status: opt(pStatus),
    index: opt(pIndex),
    start: opt(pU64),
    limit: opt(pU32),
  },
  run({ values: p }, ctx: CommandContext) {
    if (p.bolt11 !== undefined && p.payment_hash !== undefined) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, 'Can only specify one of {bolt11} or {payment_hash}');
    }
    if ((p.start !== undefined || p.limit !== undefined) && p.index === undefined) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, 'Can only specify {start} or {limit} with {index}');
    }
    if (p.start !== undefined && (p.bolt11 !== undefined || p.payment_hash !== undefined)) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, 'Cannot specify {start} with {bolt11} or {payment_hash}');
    }
    const hash = requestedPaymentHash(p.bolt11, p.payment_hash);
    const rows = ctx.store.payments.list({
      paymentHash: hash,
      // §1.16: with a hash or invoice, status is ignored.
      status: hash === undefined ? p.status : undefined,
      index: p.index,
      start: p.start,
      limit: p.limit,
    });
    return { payments: rows.map((r) => paymentEntry(r, { erroronion: true })) };
  },
});
