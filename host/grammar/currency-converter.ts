// Pricing currency offers. Core Lightning asks a `currencyconvert` plugin;
// here the daemon is given a CurrencyConverter (or none). At offer creation
// CLN probes the provider with amount 1 of the currency and refuses the offer
// if that fails (cln-rpc-digest §2.4); we do the same.
import { readFileSync } from 'node:fs';
import { minorUnits } from './iso4217.js';
import { parseAmountMsat } from './msat.js';

export interface CurrencyConverter {
  /** A short name for logs and errors. */
  readonly name: string;
  /**
   * Millisatoshis worth `amount` major units (e.g. dollars, may be
   * fractional) of `currency`. Rejects when the currency cannot be priced.
   */
  convert(currency: string, amount: number): Promise<bigint>;
}

/** Fixed rates, msat per one major unit of each currency. */
export class FixedRateConverter implements CurrencyConverter {
  readonly name: string;
  constructor(
    private readonly msatPerUnit: ReadonlyMap<string, bigint>,
    source = 'fixed rates',
  ) {
    this.name = source;
  }

  async convert(currency: string, amount: number): Promise<bigint> {
    const rate = this.msatPerUnit.get(currency);
    if (rate === undefined) throw new Error(`no rate for ${currency} in ${this.name}`);
    if (!(amount >= 0) || !Number.isFinite(amount)) throw new Error(`bad amount ${amount}`);
    // amount has at most the currency's minor-unit digits: scale to integers.
    const scale = 10 ** (minorUnits(currency) ?? 0);
    const units = BigInt(Math.round(amount * scale));
    return (units * rate) / BigInt(scale);
  }

  /**
   * Reads `{"USD": "2500000msat", "EUR": 2700000, ...}`: per currency code,
   * the price of one major unit as a millisatoshi amount (any msat-grammar
   * string, or a whole number of msat).
   */
  static fromFile(path: string): FixedRateConverter {
    const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new Error(`${path}: expected an object of currency code -> msat per unit`);
    }
    const rates = new Map<string, bigint>();
    for (const [code, v] of Object.entries(raw)) {
      if (minorUnits(code) === undefined) throw new Error(`${path}: unknown ISO 4217 code ${code}`);
      const msat = typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? BigInt(v) : typeof v === 'string' ? parseAmountMsat(v) : undefined;
      if (msat === undefined || msat === 0n) throw new Error(`${path}: ${code}: not a positive msat amount`);
      rates.set(code, msat);
    }
    return new FixedRateConverter(rates, path);
  }
}
