// pay bolt11 [amount_msat] [label] [riskfactor] [maxfeepercent] [retry_for]
//     [maxdelay] [exemptfee] [localinvreqid] [exclude] [maxfee] [description]
//     [invstring]
// Core Lightning's pay (cln-rpc-digest §1.19; xpay's core: amount_msat,
// maxfee, retry_for 60, maxdelay 2016, label), for BOLT 12 invoices (lni1…):
// the flow is host/payer/pay.ts (docs/host/pay.md). `invstring` is v26.06's
// name for `bolt11` (by name only: one of the two).
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { bad, opt, optDef, type ParamParser } from '../rpc/params.js';
import { rawText } from '../rpc/json-scan.js';
import { pEscapedString, pSha256, pU32 } from '../rpc/param-types.js';
import { pMsat } from './amount-params.js';
import { pInvstring } from '../payments/route.js';
import { payBolt12 } from '../payer/pay.js';
import type { CommandContext } from './context.js';
import { confirmNotifier } from './device-calls.js';

/** CLN param_millionths: a non-negative decimal. */
const pDecimal: ParamParser<number> = (tok, name) => {
  const t = tok.type === 'number' ? rawText(tok) : tok.type === 'string' ? tok.value : '';
  if (!/^[0-9]+(\.[0-9]+)?$/.test(t)) return bad(name, 'should be a non-negative floating-point number', tok);
  return Number(t);
};
/** exclude: short_channel_id/direction or node ids. */
const pExclude: ParamParser<string[]> = (tok, name) => {
  if (tok.type !== 'array') return bad(name, 'should be an array', tok);
  return tok.items.map((t) => {
    if (t.type === 'string' && (/^\d+x\d+x\d+\/[01]$/.test(t.value) || /^0[23][0-9a-fA-F]{64}$/.test(t.value))) return t.value.toLowerCase();
    return bad(name, 'should be an array of short_channel_id/direction or node ids', t);
  });
};

export const pay = defineMethod({
  name: 'pay',
  summary: 'Pay a BOLT 12 invoice (lni1...): routes to its blinded paths, the device builds every part',
  params: {
    bolt11: opt(pInvstring),
    amount_msat: opt(pMsat),
    label: opt(pEscapedString()),
    riskfactor: opt(pDecimal),
    maxfeepercent: opt(pDecimal),
    retry_for: optDef(pU32, 60),
    maxdelay: optDef(pU32, 2016),
    exemptfee: opt(pMsat),
    localinvreqid: opt(pSha256),
    exclude: opt(pExclude),
    maxfee: opt(pMsat),
    description: opt(pEscapedString()),
    invstring: opt(pInvstring),
  },
  async run({ values: p }, ctx: CommandContext, call) {
    if (p.bolt11 !== undefined && p.invstring !== undefined) throw new RpcError(ErrorCode.INVALID_PARAMS, 'Can only specify one of {bolt11} or {invstring}');
    const inv = p.bolt11 ?? p.invstring;
    if (inv === undefined) throw new RpcError(ErrorCode.INVALID_PARAMS, 'missing required parameter: bolt11');
    if (!inv.startsWith('lni1')) {
      bad(p.bolt11 !== undefined ? 'bolt11' : 'invstring', 'only BOLT 12 invoices (lni1...) are paid here; for BOLT 11 use sendpay with a route');
    }
    // CLN pay: maxfee excludes maxfeepercent and exemptfee.
    if (p.maxfee !== undefined && (p.maxfeepercent !== undefined || p.exemptfee !== undefined)) {
      bad('maxfee', 'Cannot specify maxfee with maxfeepercent or exemptfee');
    }
    return payBolt12(ctx, {
      invstring: inv,
      amountMsat: p.amount_msat,
      label: p.label,
      maxfeeMsat: p.maxfee,
      maxfeepercent: p.maxfeepercent,
      exemptfeeMsat: p.exemptfee,
      retryFor: p.retry_for,
      maxdelay: p.maxdelay,
      description: p.description,
      localinvreqid: p.localinvreqid,
      exclude: p.exclude,
      onConfirm: confirmNotifier(ctx, call, 'pay a BOLT 12 invoice'),
      notify: (m) => call.notify?.(m),
    });
  },
});
