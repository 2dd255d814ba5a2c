// disallowoffer offer (issue 12): takes an offer off the device's allowlist
// (immediate: it tightens the policy, no press). `offer` is the lno1... text
// or its offer_id. An offer that is not listed is an error (-1). Result:
// { offer_id, allowlist }.
import { defineMethod } from '../rpc/method.js';
import { req } from '../rpc/params.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { CommandContext } from './context.js';
import { onDevice } from './device-calls.js';
import { pOfferRef } from './allowlist-params.js';
import { requireAllowlistSigner } from './allowoffer.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export const disallowoffer = defineMethod({
  name: 'disallowoffer',
  summary: "Take an offer off the device's allowlist",
  params: { offer: req(pOfferRef) },
  async run({ values }, ctx: CommandContext, call) {
    const { list, remove } = requireAllowlistSigner(ctx);
    const id = hex(values.offer);
    const before = await onDevice('Could not read the offer allowlist', list);
    if (!before.some((b) => hex(b) === id)) throw new RpcError(ErrorCode.LIGHTNINGD, `offer ${id} is not on the device's allowlist`);
    ctx.log.info(`${call.method} id=${call.id}: remove offer ${id} from the allowlist`);
    const after = await onDevice('Could not change the offer allowlist', () => remove(values.offer));
    return { offer_id: id, allowlist: after.map(hex) };
  },
});
