// setpolicy [max_amount_msat] [max_fee_msat] [max_fee_ppm] [daily_limit_msat]
//           [confirm_above_msat] [payee_daily_msat] [recurring_period_msat]
// Changes the device's spending limits. Each parameter is an msat amount
// (max_fee_ppm: parts per million) or `none` to remove the limit; a
// parameter not given keeps its current value (the current policy is read
// first and the merged limits written). Loosening or removing a limit waits
// for a press on the device (issue 9); the client is told "Confirm on the
// device" meanwhile. payee_daily_msat (per payee = invoice_node_id, rolling
// 24 hours) and recurring_period_msat (largest amount of one recurring
// payment) are the BOLT 12 terms of issue 12. Result: as getpolicy.
import { defineMethod } from '../rpc/method.js';
import { opt } from '../rpc/params.js';
import type { PolicyLimits } from '../device-admin/confirm-adapter.js';
import type { CommandContext } from './context.js';
import { confirmNotifier, onDevice } from './device-calls.js';
import { allowlistFor, requirePolicySigner } from './getpolicy.js';
import { BOLT12_LIMIT_PARAMS, LIMIT_PARAMS, NO_LIMIT, pLimitMsat, pLimitPpm, policyJson } from './policy-params.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';

const shown = (v: bigint | number | null) => (v === null ? NO_LIMIT : String(v));

/** One setpolicy at a time per device: each reads the current policy and
 *  writes the merged one, so two at once would undo each other's changes. */
const queues = new WeakMap<object, Promise<unknown>>();
function oneAtATime<T>(key: object, f: () => Promise<T>): Promise<T> {
  const prev = queues.get(key) ?? Promise.resolve();
  const next = prev.then(f, f);
  queues.set(key, next.catch(() => undefined));
  return next;
}

export const setpolicy = defineMethod({
  name: 'setpolicy',
  summary: "Change the device's spending limits (amounts or 'none'; omitted = unchanged)",
  params: {
    max_amount_msat: opt(pLimitMsat),
    max_fee_msat: opt(pLimitMsat),
    max_fee_ppm: opt(pLimitPpm),
    daily_limit_msat: opt(pLimitMsat),
    confirm_above_msat: opt(pLimitMsat),
    payee_daily_msat: opt(pLimitMsat),
    recurring_period_msat: opt(pLimitMsat),
  },
  async run({ values, given }, ctx: CommandContext, call) {
    const { signer, getPolicy, setPolicy } = requirePolicySigner(ctx, 'the spending policy lives on the device');
    return oneAtATime(signer, async () => {
      const current = await onDevice('Could not read the spending policy', getPolicy);
      const limits: PolicyLimits = {
        maxAmountMsat: current.maxAmountMsat,
        maxFeeMsat: current.maxFeeMsat,
        maxFeePpm: current.maxFeePpm,
        dailyLimitMsat: current.dailyLimitMsat,
        confirmAboveMsat: current.confirmAboveMsat,
        // Written back as read (52-byte set_policy) when the firmware has them.
        ...(current.payeeDailyMsat !== undefined ? { payeeDailyMsat: current.payeeDailyMsat, periodCapMsat: current.periodCapMsat ?? null } : {}),
      };
      if (current.payeeDailyMsat === undefined) {
        const b12 = BOLT12_LIMIT_PARAMS.find((n) => given.has(n));
        if (b12) throw new RpcError(ErrorCode.DEVICE_UNSUPPORTED, `${b12}: the device's firmware has no BOLT 12 limits (update it)`);
      }
      const changes: string[] = [];
      for (const [param, field] of Object.entries(LIMIT_PARAMS)) {
        if (!given.has(param)) continue;
        const v = values[param as keyof typeof values] as bigint | number | null;
        if (v === (limits[field] ?? null)) continue;
        changes.push(`${param} ${shown(limits[field] ?? null)} -> ${shown(v)}`);
        (limits as unknown as Record<string, unknown>)[field] = v;
      }
      // Nothing to change: no write (and no press on the device).
      if (changes.length === 0) return policyJson(current, await allowlistFor(signer, current));
      const what = `set the spending policy (${changes.join(', ')})`;
      ctx.log.info(`${call.method} id=${call.id}: ${what}`);
      call.notify?.(`Setting the device's spending policy: ${changes.join(', ')}`);
      const after = await onDevice('Could not change the spending policy', () =>
        setPolicy(limits, { onConfirm: confirmNotifier(ctx, call, what) }),
      );
      return policyJson(after, await allowlistFor(signer, after));
    });
  },
});
