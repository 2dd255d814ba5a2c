// sendpay route payment_hash [label] [amount_msat] [bolt11] [payment_secret]
//         [partid] [localinvreqid] [groupid] [payment_metadata] [description]
//         [msatoshi]
// Parameters of seed 004 / CLN HEAD (cln-rpc-digest §1.14, §5); `msatoshi`
// (the seed's name) is accepted by name for amount_msat. The flow — rules,
// store, device onion, sendonion, tracking — is host/payments/engine.ts.
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { bad, opt, optDef, req } from '../rpc/params.js';
import { pEscapedString, pSha256, pU64 } from '../rpc/param-types.js';
import { pMsat } from './amount-params.js';
import { pHex, pInvstring, pRoute, pSecret } from '../payments/route.js';
import type { CommandContext } from './context.js';
import { confirmNotifier } from './device-calls.js';

export function requirePayments(ctx: CommandContext) {
  if (!ctx.payments) throw new RpcError(ErrorCode.LIGHTNINGD, 'Payments are not available in this daemon');
  return ctx.payments;
}

export const sendpay = defineMethod({
  name: 'sendpay',
  summary: 'Send a payment part along a route (onion built by the device, sent by the node)',
  params: {
    route: req(pRoute),
    payment_hash: req(pSha256),
    label: opt(pEscapedString()),
    amount_msat: opt(pMsat),
    bolt11: opt(pInvstring),
    payment_secret: opt(pSecret),
    partid: optDef(pU64, 0n),
    localinvreqid: opt(pSha256),
    groupid: opt(pU64),
    payment_metadata: opt(pHex),
    description: opt(pEscapedString()),
    // seed 004's name for amount_msat (CLN ≤v23.11).
    msatoshi: opt(pMsat),
  },
  async run({ values: p }, ctx: CommandContext, call) {
    if (p.msatoshi !== undefined && p.amount_msat !== undefined) bad('msatoshi', 'cannot be given with amount_msat');
    return requirePayments(ctx).sendpay({
      route: p.route,
      paymentHash: p.payment_hash,
      label: p.label,
      amountMsat: p.amount_msat ?? p.msatoshi,
      bolt11: p.bolt11,
      paymentSecret: p.payment_secret,
      partid: p.partid,
      groupid: p.groupid,
      paymentMetadata: p.payment_metadata,
      description: p.description,
      // §5.5 checks run with the MPP rules, in the store transaction.
      localinvreqid: p.localinvreqid,
      onConfirm: confirmNotifier(ctx, call, `pay part ${p.partid} of payment hash ${p.payment_hash.slice(0, 16)}...`),
    });
  },
});
