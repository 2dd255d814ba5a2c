// waitsendpay payment_hash [timeout] [partid] [groupid] (cln-rpc-digest §1.15):
// the complete payment, or 200 "Timed out while waiting", 208 never
// attempted, 202/203/204 with the payment and routing-failure fields.
import { defineMethod } from '../rpc/method.js';
import { opt, optDef, req } from '../rpc/params.js';
import { pSha256, pU32, pU64 } from '../rpc/param-types.js';
import type { CommandContext } from './context.js';
import { requirePayments } from './sendpay.js';

export const waitsendpay = defineMethod({
  name: 'waitsendpay',
  summary: 'Wait for a sendpay part to complete or fail',
  params: {
    payment_hash: req(pSha256),
    timeout: opt(pU32),
    partid: optDef(pU64, 0n),
    groupid: opt(pU64),
  },
  run({ values: p }, ctx: CommandContext) {
    return requirePayments(ctx).waitsendpay(p.payment_hash, p.timeout, p.partid, p.groupid);
  },
});
