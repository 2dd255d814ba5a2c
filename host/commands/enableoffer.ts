// enableoffer offer_id (cln-rpc-digest §1.6): re-activates a disabled offer.
// Errors: -1 "Unknown offer", 1006 "offer already active", 1007 "cannot
// activate an used single use offer".
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { req } from '../rpc/params.js';
import { pSha256 } from '../rpc/param-types.js';
import type { CommandContext } from './context.js';
import { offerEntry } from './format.js';

export const enableoffer = defineMethod({
  name: 'enableoffer',
  summary: 'Accept invoice requests for a disabled offer again',
  params: { offer_id: req(pSha256) },
  run({ values }, ctx: CommandContext) {
    const r = ctx.store.offers.enable(values.offer_id);
    if (r.ok) return offerEntry(r.record);
    switch (r.why) {
      case 'unknown':
        throw new RpcError(ErrorCode.LIGHTNINGD, 'Unknown offer');
      case 'already-active':
        throw new RpcError(ErrorCode.OFFER_ALREADY_ENABLED, 'offer already active');
      default:
        throw new RpcError(ErrorCode.OFFER_USED_SINGLE_USE, 'cannot activate an used single use offer');
    }
  },
});
