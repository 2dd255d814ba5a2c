// The recurrence parameter grammar of seed 003 / cln-rpc-digest §3.4.
import { describe, expect, it } from 'vitest';
import {
  parseRecurrence,
  parseRecurrenceBase,
  parseRecurrencePaywindow,
  RecurrenceSyntaxError,
} from '../host/grammar/recurrence.js';

describe('recurrence', () => {
  // CLN test-suite examples and every unit, singular and plural.
  const cases: Array<[string, number, number]> = [
    ['1second', 0, 1], ['30seconds', 0, 30],
    ['1minute', 0, 60], ['5minutes', 0, 300],
    ['1hour', 0, 3600], ['2hours', 0, 7200],
    ['1day', 1, 1], ['3days', 1, 3],
    ['1week', 1, 7], ['10weeks', 1, 70], ['4weeks', 1, 28],
    ['1month', 2, 1], ['120months', 2, 120],
    ['1year', 2, 12], ['2years', 2, 24], // years are 12·N months
    ['0seconds', 0, 0], // parses; the offer refuses period 0
    ['4294967295seconds', 0, 4294967295],
  ];
  it.each(cases)('%s -> unit %i, period %i', (text, timeUnit, period) => {
    expect(parseRecurrence(text)).toEqual({ timeUnit, period });
  });
  it.each(['', 'seconds', '5', '5fortnights', '5 days', '-1days', '1.5days', '5Days', '0x10days', '4294967296seconds', '357913942years', '71582789minutes'])(
    '%j is not a valid time',
    (text) => expect(() => parseRecurrence(text)).toThrow(new RecurrenceSyntaxError('not a valid time')),
  );
});

describe('recurrence_base', () => {
  it('plain basetime: the payer may start at any period', () => {
    expect(parseRecurrenceBase('1609459200')).toEqual({ basetime: 1609459200n, startAtPeriodZero: false });
  });
  it("'@' prefix: the payer must start at period 0", () => {
    expect(parseRecurrenceBase('@1609459200')).toEqual({ basetime: 1609459200n, startAtPeriodZero: true });
  });
  it.each(['', '@', '@@1', 'x1', '1.5', '-5', '18446744073709551616', ' 1'])('%j is refused', (text) => {
    expect(() => parseRecurrenceBase(text)).toThrow('not a valid basetime or @basetime');
  });
});

describe('recurrence_paywindow', () => {
  it('-before+after', () => {
    expect(parseRecurrencePaywindow('-604800+86400')).toEqual({ secondsBefore: 604800, secondsAfter: 86400, proportionalAmount: false });
  });
  it("trailing '%' asks for a proportional amount", () => {
    expect(parseRecurrencePaywindow('-0+3600%')).toEqual({ secondsBefore: 0, secondsAfter: 3600, proportionalAmount: true });
  });
  it.each(['604800+86400', '-604800', '', '%', '+5-5'])('%j: expected -time+time[%]', (text) => {
    expect(() => parseRecurrencePaywindow(text)).toThrow('expected -time+time[%]');
  });
  it.each(['-x+5', '-5+', '-+5', '-5+5%%', '-4294967296+0', '-1+-1'])('%j: expected number of seconds', (text) => {
    expect(() => parseRecurrencePaywindow(text)).toThrow('expected number of seconds');
  });
});
