// The recurrence parameters of `offer` (seed 003, cln-rpc-digest §3.4), parsed
// into values the BOLT 12 codec encodes. Grammar (the seeds win over CLN HEAD):
//   recurrence            <N><unit>, unit one of second(s) minute(s) hour(s)
//                         day(s) week(s) month(s) year(s)
//   recurrence_base       [@]<unix seconds>; `@` = the payer must start at period 0
//   recurrence_paywindow  -<seconds before>+<seconds after>[%]; `%` = amount
//                         proportional to the time left in the period
//   recurrence_limit      <u32>, the highest period index
// Units map onto BOLT 12's three time units: seconds/minutes/hours -> seconds
// (x1, x60, x3600), days/weeks -> days (x1, x7), months/years -> months
// (x1, x12).

/** BOLT 12 `time_unit`: 0 seconds, 1 days, 2 months. */
export type RecurrenceTimeUnit = 0 | 1 | 2;

export interface Recurrence {
  timeUnit: RecurrenceTimeUnit;
  /** Number of time units per period (u32, CLN rejects 0 later). */
  period: number;
}

export interface RecurrenceBase {
  /** Unix seconds when period 0 starts. */
  basetime: bigint;
  /** `@` prefix: the first invoice must be for period 0 (we enforce this as issuer). */
  startAtPeriodZero: boolean;
}

export interface RecurrencePaywindow {
  secondsBefore: number;
  secondsAfter: number;
  /** Trailing `%`: the invoice amount is scaled by the time left in the period. */
  proportionalAmount: boolean;
}

export class RecurrenceSyntaxError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RecurrenceSyntaxError';
  }
}

const UNITS: ReadonlyArray<readonly [suffix: string, unit: RecurrenceTimeUnit, mul: number]> = [
  ['seconds', 0, 1], ['second', 0, 1],
  ['minutes', 0, 60], ['minute', 0, 60],
  ['hours', 0, 3600], ['hour', 0, 3600],
  ['days', 1, 1], ['day', 1, 1],
  ['weeks', 1, 7], ['week', 1, 7],
  ['months', 2, 1], ['month', 2, 1],
  ['years', 2, 12], ['year', 2, 12],
];

const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;

function u32(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const v = BigInt(text);
  return v <= BigInt(U32_MAX) ? Number(v) : undefined;
}

/** `<N><unit>`, e.g. `4weeks` -> days/28, `1year` -> months/12. */
export function parseRecurrence(text: string): Recurrence {
  for (const [suffix, timeUnit, mul] of UNITS) {
    if (!text.endsWith(suffix)) continue;
    const n = u32(text.slice(0, -suffix.length));
    // CLN truncates N x multiplier to 32 bits; we refuse a period that does not fit.
    if (n === undefined || n * mul > U32_MAX) break;
    return { timeUnit, period: n * mul };
  }
  throw new RecurrenceSyntaxError('not a valid time');
}

/** `[@]<unix seconds>` */
export function parseRecurrenceBase(text: string): RecurrenceBase {
  const startAtPeriodZero = text.startsWith('@');
  const digits = startAtPeriodZero ? text.slice(1) : text;
  if (!/^[0-9]+$/.test(digits) || BigInt(digits) > U64_MAX) {
    throw new RecurrenceSyntaxError('not a valid basetime or @basetime');
  }
  return { basetime: BigInt(digits), startAtPeriodZero };
}

/** `-<before>+<after>[%]` */
export function parseRecurrencePaywindow(text: string): RecurrencePaywindow {
  const proportionalAmount = text.endsWith('%');
  const body = proportionalAmount ? text.slice(0, -1) : text;
  const plus = body.indexOf('+');
  if (!body.startsWith('-') || plus < 0) throw new RecurrenceSyntaxError('expected -time+time[%]');
  const before = u32(body.slice(1, plus));
  const after = u32(body.slice(plus + 1));
  if (before === undefined || after === undefined) throw new RecurrenceSyntaxError('expected number of seconds');
  return { secondsBefore: before, secondsAfter: after, proportionalAmount };
}
