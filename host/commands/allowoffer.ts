// allowoffer offer (issue 12): puts an offer on the device's allowlist, so
// paying it needs no press on the device above confirm_above_msat. `offer` is
// the lno1... text or its offer_id. The device asks the user to approve the
// addition (it loosens the policy); the client is told "Confirm on the
// device" meanwhile, as for setpolicy. An offer already listed changes
// nothing. Result: { offer_id, allowlist }.
import { defineMethod } from '../rpc/method.js';
import { req } from '../rpc/params.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { requireDevice, type CommandContext } from './context.js';
import { confirmNotifier, onDevice } from './device-calls.js';
import { pOfferRef } from './allowlist-params.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function requireAllowlistSigner(ctx: CommandContext) {
  const { signer } = requireDevice(ctx, 'the offer allowlist lives on the device');
  const list = signer.allowlist?.bind(signer);
  const add = signer.allowOffer?.bind(signer);
  const remove = signer.disallowOffer?.bind(signer);
  if (!list || !add || !remove) throw new RpcError(ErrorCode.DEVICE_UNSUPPORTED, 'The signing device has no offer allowlist (older device client)');
  return { list, add, remove };
}

export const allowoffer = defineMethod({
  name: 'allowoffer',
  summary: 'Let the device pay an offer without a press (asks on the device)',
  params: { offer: req(pOfferRef) },
  async run({ values }, ctx: CommandContext, call) {
    const { add } = requireAllowlistSigner(ctx);
    const id = hex(values.offer);
    const what = `allow offer ${id} to be paid without a press`;
    ctx.log.info(`${call.method} id=${call.id}: ${what}`);
    call.notify?.(`Adding offer ${id} to the device's allowlist`);
    const list = await onDevice('Could not change the offer allowlist', () =>
      add(values.offer, { onConfirm: confirmNotifier(ctx, call, what) }),
    );
    return { offer_id: id, allowlist: list.map(hex) };
  },
});
