// Recurrence as Core Lightning encodes it today (v25.12+): the layout of
// lightning/bolts PR #1240 in the experimental TLV ranges. Subtypes, their
// codecs, and the period arithmetic (always computed from period 0).
import type { ValueReader, ValueWriter } from './wire.js';

/** `time_unit` values of PR #1240 (years, unit 3, were dropped in its 2026-01 revision). */
export const TIME_UNITS = { seconds: 0, days: 1, months: 2 } as const;
export const timeUnitName = (u: number): 'seconds' | 'days' | 'months' | undefined =>
  u === 0 ? 'seconds' : u === 1 ? 'days' : u === 2 ? 'months' : undefined;

/** subtype `recurrence`: byte time_unit ‖ tu32 period. */
export interface Recurrence {
  timeUnit: number;
  period: number;
}

/** subtype `recurrence_base`: byte proportional_amount ‖ tu64 basetime. */
export interface RecurrenceBase {
  proportionalAmount: number;
  basetime: bigint;
}

/** subtype `recurrence_paywindow`: u32 seconds_before ‖ tu32 seconds_after. */
export interface RecurrencePaywindow {
  secondsBefore: number;
  secondsAfter: number;
}

export function readRecurrence(r: ValueReader): Recurrence {
  const timeUnit = r.u8('time_unit');
  return { timeUnit, period: r.tu32('period') };
}

export function writeRecurrence(w: ValueWriter, v: Recurrence): void {
  w.u8(v.timeUnit).tu32(v.period);
}

export function readRecurrenceBase(r: ValueReader): RecurrenceBase {
  const proportionalAmount = r.u8('proportional_amount');
  return { proportionalAmount, basetime: r.tu64('basetime') };
}

export function writeRecurrenceBase(w: ValueWriter, v: RecurrenceBase): void {
  w.u8(v.proportionalAmount).tu64(v.basetime);
}

export function readPaywindow(r: ValueReader): RecurrencePaywindow {
  const secondsBefore = r.u32('seconds_before');
  return { secondsBefore, secondsAfter: r.tu32('seconds_after') };
}

export function writePaywindow(w: ValueWriter, v: RecurrencePaywindow): void {
  w.u32(v.secondsBefore).tu32(v.secondsAfter);
}

const DAY = 86400;
// Date can hold +-8.64e15 ms; keep well inside it.
const MAX_SECONDS = 8.64e12;

function toSeconds(v: bigint | number, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_SECONDS) throw new RangeError(`${what} out of range: ${v}`);
  return n;
}

/**
 * Start of period `n` (UNIX seconds, UTC) for a recurrence whose period 0
 * starts at `basetime`. PR #1240: seconds add n·period; days keep the time of
 * day and add n·period calendar days; months keep day-of-month and time of day
 * and add n·period months, clamping to the last day of a shorter month. Always
 * computed from period 0, never by chaining (31 Jan -> 28 Feb -> 31 Mar).
 */
export function periodStart(basetime: bigint | number, rec: Recurrence, n: number | bigint): bigint {
  const base = toSeconds(basetime, 'basetime');
  const steps = toSeconds(BigInt(n) * BigInt(rec.period), 'period offset');
  switch (rec.timeUnit) {
    case TIME_UNITS.seconds:
      return BigInt(base) + BigInt(steps);
    case TIME_UNITS.days:
      // UTC has no daylight saving and POSIX time no leap seconds: a day is 86400 s.
      return BigInt(base + toSeconds(steps * DAY, 'period start'));
    case TIME_UNITS.months: {
      const d = new Date(base * 1000);
      const months = d.getUTCMonth() + steps;
      const year = d.getUTCFullYear() + Math.floor(months / 12);
      const month = months % 12;
      const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
      const day = Math.min(d.getUTCDate(), lastDay);
      const ms = Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
      return BigInt(toSeconds(ms / 1000, 'period start'));
    }
    default:
      throw new RangeError(`unknown recurrence time_unit ${rec.timeUnit}`);
  }
}

/**
 * Period index an invoice_request asks for: with `offer_recurrence_base` it is
 * `invreq_recurrence_start` + counter, otherwise just the counter.
 */
export function periodIndex(counter: number, start?: number): number {
  return (start ?? 0) + counter;
}

/**
 * Window (inclusive UNIX seconds) in which period `idx` may be requested/paid.
 * With a paywindow: [start - seconds_before, start + seconds_after] (Core
 * Lightning gives the first period of a base-less offer at least 60 s after its
 * start, because that period starts "now"). Without: from the start of the
 * previous period to the end of this one.
 */
export function periodPaywindow(
  rec: Recurrence,
  paywindow: RecurrencePaywindow | undefined,
  hasBase: boolean,
  basetime: bigint,
  idx: number,
): { start: bigint; end: bigint } {
  if (paywindow) {
    const p = periodStart(basetime, rec, idx);
    const start = p - BigInt(paywindow.secondsBefore);
    let end = p + BigInt(paywindow.secondsAfter);
    if (!hasBase && idx === 0 && paywindow.secondsAfter < 60) end = p + 60n;
    return { start: start < 0n ? 0n : start, end };
  }
  const start = idx === 0 ? 0n : periodStart(basetime, rec, idx - 1);
  return { start, end: periodStart(basetime, rec, idx + 1) - 1n };
}

/**
 * PR #1240 `proportional_amount`: paying `now`, after period `idx` started,
 * scales the amount down by the fraction of the period left (never up).
 */
export function proportionalAmount(amount: bigint, rec: Recurrence, basetime: bigint, idx: number, now: bigint): bigint {
  const start = periodStart(basetime, rec, idx);
  const end = periodStart(basetime, rec, idx + 1);
  if (now <= start) return amount;
  if (now >= end) return 0n;
  return (amount * (end - now)) / (end - start);
}
