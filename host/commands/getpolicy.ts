// getpolicy: the device's spending limits (each an msat amount, or "none"),
// its confirmation threshold, its 24-hour spend log, and (issue 12) the BOLT
// 12 terms: payee_daily_msat, recurring_period_msat and the allowlist of
// offer ids paid without a press.
import { defineMethod } from '../rpc/method.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { requireDevice, type CommandContext } from './context.js';
import { onDevice } from './device-calls.js';
import { policyJson } from './policy-params.js';
import type { PolicyState } from '../device-admin/confirm-adapter.js';
import type { DeviceSigner } from '../daemon/device-signer.js';

export function requirePolicySigner(ctx: CommandContext, why: string) {
  const { signer } = requireDevice(ctx, why);
  const getPolicy = signer.getPolicy?.bind(signer);
  const setPolicy = signer.setPolicy?.bind(signer);
  if (!getPolicy || !setPolicy) throw new RpcError(ErrorCode.LIGHTNINGD, 'The signing device has no spending policy requests (older device client)');
  return { signer, getPolicy, setPolicy };
}

/** The allowlist to show with `p`: read from the device only when it lists
 *  some; undefined when the firmware has none (before issue 12). */
export async function allowlistFor(signer: DeviceSigner, p: PolicyState): Promise<Uint8Array[] | undefined> {
  if (p.allowlistCount === undefined || !signer.allowlist) return undefined;
  if (p.allowlistCount === 0) return [];
  return onDevice('Could not read the offer allowlist', () => signer.allowlist!());
}

export const getpolicy = defineMethod({
  name: 'getpolicy',
  summary: "Show the device's spending limits and its 24-hour spend",
  params: {},
  async run(_args, ctx: CommandContext) {
    const { signer, getPolicy } = requirePolicySigner(ctx, 'the spending policy lives on the device');
    const p = await onDevice('Could not read the spending policy', getPolicy);
    return policyJson(p, await allowlistFor(signer, p));
  },
});
