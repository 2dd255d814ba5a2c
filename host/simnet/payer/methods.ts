// Test-only RPC methods of the simulated BOLT 12 payer (docs/host/simnet.md
// "BOLT 12 payer"): dev-simnet-fetchinvoice and dev-simnet-pay, run by any
// simulated node. Failures keep Core Lightning's fetchinvoice / pay codes
// (1002 offer expired, 1003 cannot route, 1004 bad reply or invoice_error,
// 1005 timeout; 204/205 payment failures).
import { defineMethod, type RpcMethod } from '../../rpc/method.js';
import { bad, opt, optDef, req, type ParamParser } from '../../rpc/params.js';
import { pBool, pString, pU32, pU64 } from '../../rpc/param-types.js';
import { rawText } from '../../rpc/json-scan.js';
import { RpcError, ErrorCode } from '../../rpc/errors.js';
import { parseAmountMsat } from '../../grammar/msat.js';
import type { SimnetContext } from '../server.js';
import { fetchInvoice, fetchResultJson } from './fetch.js';
import { payInvoice } from './pay.js';
import { PayerError } from './invoice-request.js';
import { invreqStatus, makeInvoiceRequest } from './invoicerequest.js';

const pMsat: ParamParser<bigint> = (tok, name) => {
  const text = tok.type === 'number' ? rawText(tok) : tok.type === 'string' ? tok.value : undefined;
  const v = text === undefined ? undefined : parseAmountMsat(text);
  return v ?? bad(name, 'should be a millisatoshi amount', tok);
};

type M = RpcMethod<any, SimnetContext>;

/** A node given by id or alias → its index (-32602 otherwise); shared with the simulated merchants. */
export const nodeOf = (ctx: SimnetContext, ref: string) => {
  const n = ctx.net.node(ref);
  if (!n) throw new RpcError(ErrorCode.INVALID_PARAMS, `node: unknown node ${ref}`);
  return n.index;
};

/** A PayerError as the JSON-RPC error CLN would give. */
export const asRpc = (e: unknown): never => {
  if (e instanceof PayerError) throw new RpcError(e.code, e.message, e.data);
  throw e;
};

export const PAYER_METHODS: M[] = [
  defineMethod({
    name: 'dev-simnet-fetchinvoice',
    summary: "A simulated node's fetchinvoice: invoice_request along the offer's paths, the invoice checked as a payer must",
    params: {
      node: req(pString()),
      offer: req(pString(8192)),
      amount_msat: opt(pMsat),
      quantity: opt(pU64),
      recurrence_counter: opt(pU32),
      recurrence_start: opt(pU32),
      recurrence_cancel: opt(pBool),
      payer_note: opt(pString(8192)),
      recurrence_label: opt(pString(1024)),
      timeout: opt(pU32),
    },
    run: async ({ values: v }, ctx: SimnetContext) => {
      try {
        const r = await fetchInvoice(ctx.net, {
          node: nodeOf(ctx, v.node), offer: v.offer, amountMsat: v.amount_msat, quantity: v.quantity,
          recurrenceCounter: v.recurrence_counter, recurrenceStart: v.recurrence_start, recurrenceCancel: v.recurrence_cancel,
          payerNote: v.payer_note, recurrenceLabel: v.recurrence_label, timeout: v.timeout ?? (v.recurrence_cancel ? 3 : undefined),
        });
        // A cancel: CLN cancelrecurringinvoice's {bolt12} once no answer came within the timeout.
        if ('cancelSent' in r) return { bolt12: r.cancelSent, cancelled: true };
        return fetchResultJson(r);
      } catch (e) {
        return asRpc(e);
      }
    },
  }),
  defineMethod({
    name: 'dev-simnet-pay',
    summary: 'A simulated node pays a BOLT 12 invoice through its blinded paths (one part, or MPP across paths)',
    params: { node: req(pString()), invoice: req(pString(65536)), max_part_msat: opt(pMsat) },
    run: async ({ values: v }, ctx: SimnetContext) => {
      try {
        const r = await payInvoice(ctx.net, ctx.ld, { node: nodeOf(ctx, v.node), invoice: v.invoice, maxPartMsat: v.max_part_msat });
        return { payment_hash: r.paymentHash, preimage: r.preimage, amount_msat: r.amountMsat, amount_sent_msat: r.amountSentMsat, parts: r.parts, status: 'complete' };
      } catch (e) {
        return asRpc(e);
      }
    },
  }),
  defineMethod({
    name: 'dev-simnet-invoicerequest',
    summary: "A simulated node's invoicerequest: an lnr1… it pays once when an invoice for it arrives (someone's sendinvoice)",
    params: {
      node: req(pString()),
      amount_msat: req(pMsat),
      description: opt(pString(1024)),
      absolute_expiry: opt(pU64),
      paths: optDef(pU32, 0),
      single_use: optDef(pBool, true),
      hold: optDef(pBool, false),
    },
    run: ({ values: v }, ctx: SimnetContext) => {
      try {
        const r = makeInvoiceRequest(ctx.net, ctx.ld, {
          node: nodeOf(ctx, v.node), amountMsat: v.amount_msat, description: v.description, absoluteExpiry: v.absolute_expiry,
          paths: v.paths, singleUse: v.single_use, hold: v.hold,
        });
        return { invreq_id: r.invreqId, active: true, single_use: v.single_use, bolt12: r.bolt12, used: false };
      } catch (e) {
        return asRpc(e);
      }
    },
  }),
  defineMethod({
    name: 'dev-simnet-invreq-status',
    summary: "A simulated node's invoice_request (by invreq_id or lnr1…): active, used, and the invoices it received",
    params: { node: req(pString()), invreq: req(pString(65536)) },
    run: ({ values: v }, ctx: SimnetContext) => {
      const s = invreqStatus(ctx.net, nodeOf(ctx, v.node), v.invreq);
      if (!s) throw new RpcError(ErrorCode.INVALID_PARAMS, 'invreq: no invoice_request of that node');
      return s;
    },
  }),
];
