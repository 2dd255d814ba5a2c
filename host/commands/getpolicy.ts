// getpolicy: the device's spending limits (each an msat amount, or "none"),
// its confirmation threshold, and its 24-hour spend log.
import { defineMethod } from '../rpc/method.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { requireDevice, type CommandContext } from './context.js';
import { onDevice } from './device-calls.js';
import { policyJson } from './policy-params.js';

export function requirePolicySigner(ctx: CommandContext, why: string) {
  const { signer } = requireDevice(ctx, why);
  const getPolicy = signer.getPolicy?.bind(signer);
  const setPolicy = signer.setPolicy?.bind(signer);
  if (!getPolicy || !setPolicy) throw new RpcError(ErrorCode.LIGHTNINGD, 'The signing device has no spending policy requests (older device client)');
  return { signer, getPolicy, setPolicy };
}

export const getpolicy = defineMethod({
  name: 'getpolicy',
  summary: "Show the device's spending limits and its 24-hour spend",
  params: {},
  async run(_args, ctx: CommandContext) {
    const { getPolicy } = requirePolicySigner(ctx, 'the spending policy lives on the device');
    return policyJson(await onDevice('Could not read the spending policy', getPolicy));
  },
});
