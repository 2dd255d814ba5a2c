// listinvoices [label] [invstring] [payment_hash] [offer_id] [index] [start] [limit]
// (Core Lightning's parameters): the invoices we issued for our offers
// (docs/host/merchant.md). Only one of label / invstring / payment_hash /
// offer_id may be given; start and limit need index.
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { bad, opt, type ParamParser } from '../rpc/params.js';
import { pSha256, pString, pU32, pU64 } from '../rpc/param-types.js';
import type { CommandContext } from './context.js';
import { invoiceEntry } from './invoice-format.js';

const pIndex: ParamParser<'created' | 'updated'> = (tok, name) =>
  tok.type === 'string' && (tok.value === 'created' || tok.value === 'updated')
    ? tok.value
    : bad(name, "should be 'created' or 'updated'", tok);

/** CLN's label may be a string or a number (shown as its text). */
export const pLabel: ParamParser<string> = (tok, name) =>
  tok.type === 'number' ? tok.src.slice(tok.start, tok.end) : pString()(tok, name);

export const listinvoices = defineMethod({
  name: 'listinvoices',
  summary: 'List the invoices issued for our offers',
  params: {
    label: opt(pLabel),
    invstring: opt(pString()),
    payment_hash: opt(pSha256),
    offer_id: opt(pSha256),
    index: opt(pIndex),
    start: opt(pU64),
    limit: opt(pU32),
  },
  run({ values: p }, ctx: CommandContext) {
    const given = [p.label, p.invstring, p.payment_hash, p.offer_id].filter((x) => x !== undefined).length;
    if (given > 1) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, 'Can only specify one of {label}, {invstring}, {payment_hash} or {offer_id}');
    }
    if ((p.start !== undefined || p.limit !== undefined) && p.index === undefined) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, 'Can only specify {start} or {limit} with {index}');
    }
    const rows = ctx.store.invoices.list({
      label: p.label,
      bolt12: p.invstring,
      paymentHash: p.payment_hash,
      offerId: p.offer_id,
      index: p.index,
      start: p.start === undefined ? undefined : Number(p.start),
      limit: p.limit,
    });
    return { invoices: rows.map(invoiceEntry) };
  },
});
