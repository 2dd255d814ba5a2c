// The amount grammar: millisatoshi forms (cln-rpc-digest §2.1 + the seeds'
// "three decimal places ending in sat"), offer amounts with ISO 4217
// currencies (§2.2-2.3), and the RPC-level messages.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AmountSyntaxError, parseOfferAmount } from '../host/grammar/currency-amount.js';
import { FixedRateConverter } from '../host/grammar/currency-converter.js';
import { currencyCodes, minorUnits } from '../host/grammar/iso4217.js';
import { parseAmountMsat } from '../host/grammar/msat.js';
import { pMsat, pMsatOrAny, pOfferAmount } from '../host/commands/amount-params.js';
import { BadParamError } from '../host/rpc/errors.js';
import { parseJson } from '../host/rpc/json-scan.js';

describe('millisatoshi grammar', () => {
  // [input, msat]
  const valid: Array<[string, bigint]> = [
    ['0', 0n],
    ['1000', 1000n],
    ['007', 7n],
    ['1000msat', 1000n],
    ['5sat', 5000n],
    ['10000sat', 10_000_000n],
    ['1btc', 100_000_000_000n],
    ['1.btc', 100_000_000_000n], // quirk: empty fraction with btc
    ['0.00000000001btc', 1n],
    ['1.5btc', 150_000_000_000n],
    ['0.12345678901btc', 12_345_678_901n],
    ['1.500sat', 1500n], // seeds: three decimal places ending in sat
    ['0.001sat', 1n],
    ['100sats', 100_000n], // suffix is a prefix test
    ['5msatoshi', 5n],
    ['1btcoin', 100_000_000_000n],
    ['18446744073709551615', 18446744073709551615n],
    ['18446744073709551msat', 18446744073709551n],
    ['18446744073709551sat', 18446744073709551000n],
  ];
  it.each(valid)('%s = %s msat', (text, msat) => expect(parseAmountMsat(text)).toBe(msat));

  const invalid = [
    '', 'msat', 'sat', '.5btc', '-1', '+1', ' 1', '1 ', '1 sat', '1.5', '1.5sat', '1.50sat', '1.5000sat',
    '1.500msat', '0.0', '0.00000000msat', '1.', '1.000000000000btc', '18446744073709551616',
    '18446744073709551615sat', '184467440737.09551616btc', '1000SAT', '1BTC', '1Msat', '1e3', '0x10', '1_000',
  ];
  it.each(invalid)('%j is not an amount', (text) => expect(parseAmountMsat(text)).toBeUndefined());

  it('sat and btc forms agree with msat (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 184467440737n }), (sats) => {
        expect(parseAmountMsat(`${sats}sat`)).toBe(sats * 1000n);
        const btc = `${sats / 100_000_000n}.${(sats % 100_000_000n).toString().padStart(8, '0')}btc`;
        expect(parseAmountMsat(btc)).toBe(sats * 1000n);
      }),
    );
  });
});

describe('offer amounts with currencies', () => {
  it('any, msat and currency forms', () => {
    expect(parseOfferAmount('any')).toEqual({ kind: 'any' });
    expect(parseOfferAmount('1000sat')).toEqual({ kind: 'msat', msat: 1_000_000n });
    expect(parseOfferAmount('10USD')).toEqual({ kind: 'currency', currency: 'USD', amount: 1000n, minorUnits: 2 });
    expect(parseOfferAmount('1.10AUD')).toEqual({ kind: 'currency', currency: 'AUD', amount: 110n, minorUnits: 2 });
    expect(parseOfferAmount('500JPY')).toMatchObject({ amount: 500n, minorUnits: 0 });
    expect(parseOfferAmount('1.234KWD')).toMatchObject({ amount: 1234n, minorUnits: 3 });
    expect(parseOfferAmount('2.0001CLF')).toMatchObject({ amount: 20001n, minorUnits: 4 });
    expect(parseOfferAmount('0USD')).toMatchObject({ amount: 0n }); // refused later as a zero amount
  });
  // [input, CLN's reason]
  const refused: Array<[string, string]> = [
    ['', 'Not a number, and too short for currency'],
    ['5U', 'Not a number, and too short for currency'],
    ['ANY', 'Unknown currency suffix ANY'],
    ['10usd', 'Unknown currency suffix usd'],
    ['10BTC', 'Unknown currency suffix BTC'],
    ['10XBT', 'Unknown currency suffix XBT'],
    ['1.5sat', 'Unknown currency suffix sat'],
    ['1.1AUD', 'Currency AUD requires 2 minor units'],
    ['1.100AUD', 'Currency AUD requires 2 minor units'],
    ['5.0JPY', 'Currency JPY requires 0 minor units'],
    ['5.JPY', 'Bad minor units number'],
    ['1.x5USD', 'Bad minor units number'],
    ['USD', 'Not a valid number'],
    ['.50USD', 'Not a valid number'],
    ['10 USD', 'Not a valid number'],
    ['-1USD', 'Not a valid number'],
    ['184467440737095516.16USD', 'excessively large value'],
    ['18446744073709551616JPY', 'Not a valid number'],
  ];
  it.each(refused)('%j: %s', (text, reason) => {
    expect(() => parseOfferAmount(text)).toThrow(AmountSyntaxError);
    expect(() => parseOfferAmount(text)).toThrow(new AmountSyntaxError(reason));
  });

  it('ISO 4217 table: CLN exponents, no bitcoin codes', () => {
    expect(currencyCodes().length).toBeGreaterThanOrEqual(179);
    expect(minorUnits('USD')).toBe(2);
    expect(minorUnits('EUR')).toBe(2);
    expect(minorUnits('JPY')).toBe(0);
    expect(minorUnits('XAU')).toBe(0);
    expect(minorUnits('BHD')).toBe(3);
    expect(minorUnits('UYW')).toBe(4);
    expect(minorUnits('BTC')).toBeUndefined();
    expect(minorUnits('usd')).toBeUndefined();
    for (const c of currencyCodes()) expect(c).toMatch(/^[A-Z]{3}$/);
  });
});

describe('amount parameters', () => {
  const call = <T>(p: (t: any, n: string) => T, json: string) => p(parseJson(json), 'amount');
  function reasonOf(f: () => unknown): string {
    try {
      f();
    } catch (e) {
      if (e instanceof BadParamError) return `${e.param}: ${e.reason}`;
      throw e;
    }
    throw new Error('expected a parameter error');
  }
  it('a number token and a string token are read the same', () => {
    expect(call(pMsat, '1000000')).toBe(1000000n);
    expect(call(pMsat, '"1000000"')).toBe(1000000n);
    expect(call(pMsat, '"10000sat"')).toBe(10_000_000n);
  });
  it('msat parameters: "should be a millisatoshi amount"', () => {
    for (const bad of ['1.5', '"any"', '"10USD"', 'true', '"\\u0031"', '[]']) {
      expect(reasonOf(() => call(pMsat, bad))).toBe('amount: should be a millisatoshi amount');
    }
  });
  it('offerout amounts: any or msat, no currency', () => {
    expect(call(pMsatOrAny, '"any"')).toBe('any');
    expect(call(pMsatOrAny, '"5sat"')).toBe(5000n);
    expect(reasonOf(() => call(pMsatOrAny, '"10USD"'))).toBe("amount: should be 'any' or msatoshis");
  });
  it('offer amounts name the parameter and the problem', () => {
    expect(call(pOfferAmount, '"any"')).toEqual({ kind: 'any' });
    expect(call(pOfferAmount, '10000')).toEqual({ kind: 'msat', msat: 10000n });
    expect(reasonOf(() => call(pOfferAmount, '"10usd"'))).toBe('amount: Unknown currency suffix usd');
    expect(reasonOf(() => call(pOfferAmount, '"1.1EUR"'))).toBe('amount: Currency EUR requires 2 minor units');
    expect(reasonOf(() => call(pOfferAmount, 'null'))).toMatch(/^amount: should be 'any'/);
  });
});

describe('fixed-rate currency converter', () => {
  it('prices major units through minor-unit integers', async () => {
    const c = new FixedRateConverter(new Map([['USD', 2_500_000n], ['JPY', 17_000n]]));
    expect(await c.convert('USD', 1)).toBe(2_500_000n);
    expect(await c.convert('USD', 0.1)).toBe(250_000n);
    expect(await c.convert('JPY', 3)).toBe(51_000n);
    await expect(c.convert('EUR', 1)).rejects.toThrow('no rate for EUR');
  });
});
