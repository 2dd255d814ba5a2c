// Parameters and result shape of getpolicy / setpolicy: the device's spending
// limits (docs/protocol.md get_policy/set_policy). A limit is an amount in
// Core Lightning's msat grammar or the word `none` (no limit); the
// proportional fee is parts per million.
import { parseAmountMsat, U64_MAX } from '../grammar/msat.js';
import { rawText, type JsonNode } from '../rpc/json-scan.js';
import { bad, type ParamParser } from '../rpc/params.js';
import type { PolicyLimits, PolicyState } from '../device-admin/confirm-adapter.js';

/** The word that removes a limit. */
export const NO_LIMIT = 'none';

function text(tok: JsonNode): string | undefined {
  if (tok.type === 'number') return rawText(tok);
  if (tok.type === 'string' && tok.value.length <= 64) return tok.value;
  return undefined;
}

/** An msat amount or `none` (null). All ones is the device's "no limit" encoding, so the largest amount is 2^64 - 2. */
export const pLimitMsat: ParamParser<bigint | null> = (tok, name) => {
  const reason = `should be a millisatoshi amount or '${NO_LIMIT}'`;
  const t = text(tok);
  if (t === NO_LIMIT) return null;
  const v = t === undefined ? undefined : parseAmountMsat(t);
  if (v === undefined || v >= U64_MAX) return bad(name, reason, tok);
  return v;
};

/** Parts per million of the delivered amount, 0..1000000, or `none`. */
export const pLimitPpm: ParamParser<number | null> = (tok, name) => {
  const t = text(tok);
  if (t === NO_LIMIT) return null;
  if (t === undefined || !/^[0-9]{1,7}$/.test(t) || Number(t) > 1_000_000) {
    return bad(name, `should be parts per million (0 to 1000000) or '${NO_LIMIT}'`, tok);
  }
  return Number(t);
};

/** The parameter names, in positional order, and the limit each sets. */
export const LIMIT_PARAMS = {
  max_amount_msat: 'maxAmountMsat',
  max_fee_msat: 'maxFeeMsat',
  max_fee_ppm: 'maxFeePpm',
  daily_limit_msat: 'dailyLimitMsat',
  confirm_above_msat: 'confirmAboveMsat',
  // BOLT 12 terms (issue 12): per payee (invoice_node_id) in 24 hours, and
  // the largest amount of one recurring payment (one period).
  payee_daily_msat: 'payeeDailyMsat',
  recurring_period_msat: 'periodCapMsat',
} as const satisfies Record<string, keyof PolicyLimits>;

/** The parameters only firmware with the BOLT 12 terms (issue 12) knows. */
export const BOLT12_LIMIT_PARAMS = ['payee_daily_msat', 'recurring_period_msat'] as const;

const shown = (v: bigint | number | null) => (v === null ? NO_LIMIT : v);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** getpolicy / setpolicy result. The BOLT 12 terms and the allowlist (offer
 *  ids, hex) appear when the device's firmware has them (issue 12). */
export function policyJson(p: PolicyState, allowlist?: readonly Uint8Array[]) {
  return {
    max_amount_msat: shown(p.maxAmountMsat),
    max_fee_msat: shown(p.maxFeeMsat),
    max_fee_ppm: shown(p.maxFeePpm),
    daily_limit_msat: shown(p.dailyLimitMsat),
    confirm_above_msat: shown(p.confirmAboveMsat),
    spent_last_24h_msat: p.spentLast24hMsat,
    log_entries: p.logUsed,
    log_capacity: p.logCapacity,
    device_clock: p.clock,
    seq: p.seq,
    ...(p.payeeDailyMsat !== undefined ? { payee_daily_msat: shown(p.payeeDailyMsat) } : {}),
    ...(p.periodCapMsat !== undefined ? { recurring_period_msat: shown(p.periodCapMsat) } : {}),
    ...(allowlist ? { allowlist: allowlist.map(hex) } : {}),
  };
}
