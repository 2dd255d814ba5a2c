// Test-only RPC methods of the simulated merchants (docs/host/simnet.md
// "Simulated merchants"): dev-simnet-offer, dev-simnet-sendinvoice and
// dev-simnet-invoice-status, run by any simulated node (./merchant.ts).
import { defineMethod, type RpcMethod } from '../../rpc/method.js';
import { bad, opt, optDef, req, type ParamParser } from '../../rpc/params.js';
import { pBool, pString, pU32, pU64 } from '../../rpc/param-types.js';
import { rawText } from '../../rpc/json-scan.js';
import { RpcError, ErrorCode } from '../../rpc/errors.js';
import { parseAmountMsat } from '../../grammar/msat.js';
import type { SimnetContext } from '../server.js';
import { asRpc, nodeOf } from '../payer/methods.js';
import { invoiceErrorsFor, invoiceStatus, makeOffer, MISBEHAVIOURS, parseRecurrence, sendInvoice, type Misbehaviour } from './merchant.js';

const pMsat: ParamParser<bigint> = (tok, name) => {
  const text = tok.type === 'number' ? rawText(tok) : tok.type === 'string' ? tok.value : undefined;
  const v = text === undefined ? undefined : parseAmountMsat(text);
  return v ?? bad(name, 'should be a millisatoshi amount', tok);
};
/** An amount, or "any" (-1n: the payer chooses). */
const pMsatOrAny: ParamParser<bigint> = (tok, name) => (tok.type === 'string' && tok.value === 'any' ? -1n : pMsat(tok, name));
const pHash: ParamParser<string> = (tok, name) =>
  tok.type === 'string' && /^[0-9a-f]{64}$/.test(tok.value) ? tok.value : bad(name, 'should be a 32-byte hex string', tok);

/** recurrence: "<N><unit>" (cln-rpc-digest §3.4) or {period, unit: seconds|days|months}. */
const UNITS: Record<string, 0 | 1 | 2> = { seconds: 0, days: 1, months: 2 };
const pRecurrence: ParamParser<{ unit: 0 | 1 | 2; period: number }> = (tok, name) => {
  if (tok.type === 'string') return parseRecurrence(tok.value) ?? bad(name, 'not a valid time', tok);
  if (tok.type === 'object') {
    const f = (k: string) => tok.members.find((x) => x.key.value === k)?.value;
    const period = f('period');
    const unit = f('unit');
    const n = period?.type === 'number' ? Number(rawText(period)) : NaN;
    if (unit?.type === 'string' && unit.value in UNITS && Number.isInteger(n) && n >= 1 && n <= 0xffffffff) return { unit: UNITS[unit.value], period: n };
  }
  return bad(name, 'should be "<N><unit>" or {period, unit}', tok);
};

type M = RpcMethod<any, SimnetContext>;

/** Test-only: how the merchant misbehaves for this offer (merchant.ts Misbehaviour). */
const pMisbehave: ParamParser<Misbehaviour> = (tok, name) =>
  tok.type === 'string' && (MISBEHAVIOURS as readonly string[]).includes(tok.value) ? (tok.value as Misbehaviour) : bad(name, `should be one of ${MISBEHAVIOURS.join(', ')}`, tok);


export const MERCHANT_METHODS: M[] = [
  defineMethod({
    name: 'dev-simnet-offer',
    summary: 'A simulated merchant: an offer (lno1…) the node answers and settles, with blinded offer_paths when asked',
    params: {
      node: req(pString()),
      amount_msat: req(pMsatOrAny),
      description: req(pString(1024)),
      quantity_max: opt(pU64),
      single_use: optDef(pBool, false),
      paths: optDef(pU32, 0),
      recurrence: opt(pRecurrence),
      misbehave: opt(pMisbehave),
      invoice_paths: optDef(pU32, 1),
      path_htlc_max_msat: opt(pMsat),
      // Test-only knobs (docs/host/simnet.md): the invoices' invoice_created_at / invoice_relative_expiry, their first path's blinded hops.
      created_at: opt(pU64),
      relative_expiry: opt(pU32),
      invoice_path_hops: opt(pU32),
    },
    run: ({ values: v }, ctx: SimnetContext) => {
      if (v.paths > 3) throw new RpcError(ErrorCode.INVALID_PARAMS, 'paths: should be 0..3');
      if (v.invoice_path_hops !== undefined && (v.invoice_path_hops < 1 || v.invoice_path_hops > 3)) throw new RpcError(ErrorCode.INVALID_PARAMS, 'invoice_path_hops: should be 1..3');
      if (v.invoice_paths < 1 || v.invoice_paths > 3) throw new RpcError(ErrorCode.INVALID_PARAMS, 'invoice_paths: should be 1..3');
      try {
        const offer = makeOffer(ctx.net, nodeOf(ctx, v.node), {
          amountMsat: v.amount_msat === -1n ? undefined : v.amount_msat, description: v.description, quantityMax: v.quantity_max, singleUse: v.single_use, paths: v.paths, recurrence: v.recurrence, misbehave: v.misbehave,
          invoiceShape: {
            paths: v.invoice_paths, pathHtlcMaxMsat: v.path_htlc_max_msat, createdAt: v.created_at,
            relativeExpiry: v.relative_expiry === undefined ? undefined : BigInt(v.relative_expiry), pathHops: v.invoice_path_hops,
          },
        });
        return { offer, single_use: v.single_use };
      } catch (e) {
        return asRpc(e);
      }
    },
  }),
  defineMethod({
    name: 'dev-simnet-sendinvoice',
    summary: "A simulated node answers an invoice_request (lnr1…) with an invoice sent to its invreq_paths (CLN sendinvoice)",
    params: {
      node: req(pString()), invreq: req(pString(65536)), amount_msat: opt(pMsat), invoice_paths: optDef(pU32, 1), path_htlc_max_msat: opt(pMsat),
      // Test-only knobs (docs/host/simnet.md): invoice_created_at / invoice_relative_expiry, the refunded invoice whose payer key signs,
      // no reply path, the same invoice sent several times at once.
      created_at: opt(pU64), relative_expiry: opt(pU32), refund_of: opt(pString(65536)), reply_path: optDef(pBool, true), copies: optDef(pU32, 1),
    },
    run: ({ values: v }, ctx: SimnetContext) => {
      if (v.invoice_paths < 1 || v.invoice_paths > 3) throw new RpcError(ErrorCode.INVALID_PARAMS, 'invoice_paths: should be 1..3');
      if (v.copies < 1 || v.copies > 20) throw new RpcError(ErrorCode.INVALID_PARAMS, 'copies: should be 1..20');
      try {
        const r = sendInvoice(ctx.net, nodeOf(ctx, v.node), v.invreq, v.amount_msat,
          { paths: v.invoice_paths, pathHtlcMaxMsat: v.path_htlc_max_msat, createdAt: v.created_at, relativeExpiry: v.relative_expiry === undefined ? undefined : BigInt(v.relative_expiry) },
          { refundOf: v.refund_of, replyPath: v.reply_path, copies: v.copies });
        return { invoice: r.invoice, payment_hash: r.paymentHash, amount_msat: r.amountMsat, status: 'unpaid' };
      } catch (e) {
        return asRpc(e);
      }
    },
  }),
  defineMethod({
    name: 'dev-simnet-invoice-status',
    summary: "Whether a simulated node's invoice (by payment_hash) has been paid",
    params: { node: req(pString()), payment_hash: req(pHash) },
    run: ({ values: v }, ctx: SimnetContext) => {
      const s = invoiceStatus(ctx.net, nodeOf(ctx, v.node), v.payment_hash);
      if (!s) throw new RpcError(ErrorCode.INVALID_PARAMS, 'payment_hash: no invoice of that node');
      // invoice_errors: what came back through a dev-simnet-sendinvoice reply path (texts, in arrival order).
      return { payment_hash: v.payment_hash, status: s, invoice_errors: invoiceErrorsFor(ctx.net, v.payment_hash) };
    },
  }),
];
