// Recurrence as Core Lightning encodes it (PR #1240 layout in the experimental
// ranges): TLV numbers, subtypes, reader rules, decode JSON and period arithmetic.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import {
  TLV, decodeOffer, decodeToJson, encodeBolt12String, encodeOffer, encodeTlvRecord, offerToString, periodIndex, periodPaywindow, periodStart, proportionalAmount,
  type OfferFields,
} from '../host/bolt12/index.js';

const ALICE = hex.decode('02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619');
const BASE: OfferFields = { offer_description: 'sub', offer_amount: 1000n, offer_issuer_id: ALICE };
const periods: { basetime: number; time_unit: number; period: number; n: number; expect: { seconds_since_epoch: number } }[] = JSON.parse(
  readFileSync(new URL('./vectors/draft-recurrence/offer-period-test.json', import.meta.url), 'utf8'),
);

describe('recurrence TLVs', () => {
  it('uses the numbers Core Lightning uses today', () => {
    expect([TLV.offer_recurrence_compulsory, TLV.offer_recurrence_optional, TLV.offer_recurrence_base, TLV.offer_recurrence_paywindow, TLV.offer_recurrence_limit])
      .toEqual([1000000024n, 1000000025n, 1000000026n, 1000000027n, 1000000029n]);
    expect([TLV.invreq_recurrence_counter, TLV.invreq_recurrence_start, TLV.invreq_recurrence_cancel, TLV.invoice_recurrence_basetime])
      .toEqual([2000000092n, 2000000093n, 2000000094n, 3000000177n]);
  });
  it('encodes the subtypes canonically and decodes them back', () => {
    const f: OfferFields = {
      ...BASE,
      offer_recurrence_compulsory: { timeUnit: 2, period: 1 },
      offer_recurrence_base: { proportionalAmount: 1, basetime: 1700000000n },
      offer_recurrence_paywindow: { secondsBefore: 86400, secondsAfter: 3600 },
      offer_recurrence_limit: 12,
    };
    const bytes = encodeOffer(f);
    expect(hex.encode(bytes)).toContain('fe3b9aca18' + '02' + '0201'); // compulsory: unit 2, tu32 period 1
    expect(hex.encode(bytes)).toContain('fe3b9aca1a' + '05' + '01' + '6553f100'); // base: proportional 1, tu64 basetime
    expect(hex.encode(bytes)).toContain('fe3b9aca1b' + '06' + '00015180' + '0e10'); // paywindow: u32 before, tu32 after
    expect(hex.encode(bytes)).toContain('fe3b9aca1d' + '01' + '0c'); // limit 12
    const back = decodeOffer(offerToString(f));
    expect(back.fields).toEqual(f);
    expect(decodeToJson(offerToString(f)).json.offer_recurrence).toEqual({
      compulsory_field: true, time_unit: 2, time_unit_name: 'months', period: 1,
      basetime: 1700000000n, proportional_amount: true, limit: 12, paywindow: { seconds_before: 86400, seconds_after: 3600 },
    });
    const opt = decodeToJson(offerToString({ ...BASE, offer_recurrence_optional: { timeUnit: 0, period: 60 } })).json;
    expect(opt.offer_recurrence).toEqual({ compulsory_field: false, time_unit: 0, time_unit_name: 'seconds', period: 60 });
  });
  it('reader rules (CLN refuses these offers)', () => {
    const bad = (f: OfferFields) => () => decodeOffer(offerToString({ ...BASE, ...f }));
    expect(bad({ offer_recurrence_compulsory: { timeUnit: 3, period: 1 } })).toThrow(/time_unit 3/);
    expect(bad({ offer_recurrence_compulsory: { timeUnit: 1, period: 0 } })).toThrow(/period is 0/);
    expect(bad({ offer_recurrence_compulsory: { timeUnit: 1, period: 1 }, offer_recurrence_limit: 0 })).toThrow(/limit/);
    expect(bad({ offer_recurrence_limit: 3 })).toThrow(/without offer_recurrence/);
    expect(bad({ offer_recurrence_base: { proportionalAmount: 0, basetime: 1n } })).toThrow(/without offer_recurrence/);
    expect(bad({ offer_recurrence_paywindow: { secondsBefore: 1, secondsAfter: 1 } })).toThrow(/without offer_recurrence/);
    expect(() => decodeToJson(offerToString({ ...BASE, offer_recurrence_limit: 3 }))).toThrow(/without offer_recurrence/);
  });
  it('PR #1240 rules CLN does not check: decode warns, the strict reader rejects', () => {
    const f = { ...BASE, offer_recurrence_optional: { timeUnit: 1, period: 7 }, offer_recurrence_base: { proportionalAmount: 0, basetime: 0n } };
    expect(() => decodeOffer(offerToString(f))).toThrow(/not allowed with offer_recurrence_optional/);
    expect(decodeToJson(offerToString(f)).json).toMatchObject({ warning_invalid_offer_recurrence_base: expect.any(String), valid: false });
  });
  it('a non-minimal tu32 period or a short paywindow is a TLV error', () => {
    const with1 = (type: bigint, v: string) =>
      encodeBolt12String('lno', Uint8Array.from([...encodeOffer(BASE), ...encodeTlvRecord(type, hex.decode(v))]));
    expect(() => decodeOffer(with1(1000000025n, '010005'))).toThrow(/period not minimal/);
    expect(() => decodeOffer(with1(1000000025n, ''))).toThrow(/time_unit truncated/);
    expect(() => decodeOffer(with1(1000000027n, '000001'))).toThrow(/seconds_before truncated/);
  });
});

describe('period arithmetic', () => {
  for (const c of periods.filter((p) => p.time_unit <= 2)) {
    it(`unit ${c.time_unit} period ${c.period} n ${c.n} from ${c.basetime}`, () => {
      expect(periodStart(c.basetime, { timeUnit: c.time_unit, period: c.period }, c.n)).toBe(BigInt(c.expect.seconds_since_epoch));
    });
  }
  it('months clamp to the end of the month and are computed from period 0', () => {
    const jan31 = Date.UTC(2024, 0, 31, 10) / 1000;
    const m = { timeUnit: 2, period: 1 };
    expect(new Date(Number(periodStart(jan31, m, 1)) * 1000).toISOString()).toBe('2024-02-29T10:00:00.000Z');
    expect(new Date(Number(periodStart(jan31, m, 2)) * 1000).toISOString()).toBe('2024-03-31T10:00:00.000Z');
    expect(new Date(Number(periodStart(jan31, m, 13)) * 1000).toISOString()).toBe('2025-02-28T10:00:00.000Z');
    // 31 Dec 1970 10:00 + 100 months -> 30 Apr 1979 10:00 (bolt-digest §3.2)
    expect(new Date(Number(periodStart(31485600, m, 100)) * 1000).toISOString()).toBe('1979-04-30T10:00:00.000Z');
  });
  it('days keep the time of day (UTC)', () => {
    expect(periodStart(1000, { timeUnit: 1, period: 7 }, 2)).toBe(1000n + 14n * 86400n);
  });
  it('unknown units and absurd times are refused', () => {
    expect(() => periodStart(0, { timeUnit: 3, period: 1 }, 1)).toThrow(RangeError);
    expect(() => periodStart(2n ** 60n, { timeUnit: 0, period: 1 }, 1)).toThrow(RangeError);
  });
  it('period index, pay window and proportional amount', () => {
    const rec = { timeUnit: 0, period: 1000 };
    expect(periodIndex(3, 2)).toBe(5);
    expect(periodIndex(3)).toBe(3);
    expect(periodPaywindow(rec, { secondsBefore: 100, secondsAfter: 200 }, true, 10000n, 2)).toEqual({ start: 11900n, end: 12200n });
    expect(periodPaywindow(rec, { secondsBefore: 100, secondsAfter: 10 }, false, 10000n, 0)).toEqual({ start: 9900n, end: 10060n });
    expect(periodPaywindow(rec, undefined, true, 10000n, 2)).toEqual({ start: 11000n, end: 12999n });
    expect(periodPaywindow(rec, undefined, true, 10000n, 0)).toEqual({ start: 0n, end: 10999n });
    // 150 s into a 1500 s period: pay 90 %
    expect(proportionalAmount(1000n, { timeUnit: 0, period: 1500 }, 0n, 0, 150n)).toBe(900n);
    expect(proportionalAmount(1000n, { timeUnit: 0, period: 1500 }, 1500n, 0, 10n)).toBe(1000n);
  });
});
