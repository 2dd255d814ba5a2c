// disableoffer offer_id (cln-rpc-digest §1.5): an active offer stops being
// answered. Errors: -1 "Unknown offer", 1001 "offer is not active".
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { req } from '../rpc/params.js';
import { pSha256 } from '../rpc/param-types.js';
import type { CommandContext } from './context.js';
import { offerEntry } from './format.js';

export const disableoffer = defineMethod({
  name: 'disableoffer',
  summary: 'Stop accepting invoice requests for an offer',
  params: { offer_id: req(pSha256) },
  run({ values }, ctx: CommandContext) {
    const r = ctx.store.offers.disable(values.offer_id);
    if (r.ok) return offerEntry(r.record);
    if (r.why === 'unknown') throw new RpcError(ErrorCode.LIGHTNINGD, 'Unknown offer');
    throw new RpcError(ErrorCode.OFFER_ALREADY_DISABLED, 'offer is not active');
  },
});
