// The `offer` amount: `any`, a millisatoshi amount, or an amount in an ISO
// 4217 currency (cln-rpc-digest §2.2-2.3, CLN common/iso4217.c
// parse_currency_amount, whose reason strings these are).
import { minorUnits } from './iso4217.js';
import { parseAmountMsat, U64_MAX } from './msat.js';

export type OfferAmount =
  | { kind: 'any' }
  | { kind: 'msat'; msat: bigint }
  /** `amount` is in the currency's minor units (e.g. cents). */
  | { kind: 'currency'; currency: string; amount: bigint; minorUnits: number };

export class AmountSyntaxError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'AmountSyntaxError';
  }
}

const ISO4217_NAMELEN = 3;

/** Parses an offer amount; throws AmountSyntaxError with CLN's reason. */
export function parseOfferAmount(text: string): OfferAmount {
  // 1. exactly `any` (lower case) means no amount.
  if (text === 'any') return { kind: 'any' };
  // 2. the millisatoshi grammar.
  const msat = parseAmountMsat(text);
  if (msat !== undefined) return { kind: 'msat', msat };
  // 3. <whole>[.<minor>]<ISO 4217 code>
  if (text.length < ISO4217_NAMELEN) throw new AmountSyntaxError('Not a number, and too short for currency');
  const currency = text.slice(-ISO4217_NAMELEN);
  const minor = minorUnits(currency);
  if (minor === undefined) throw new AmountSyntaxError(`Unknown currency suffix ${currency}`);
  const number = text.slice(0, -ISO4217_NAMELEN);
  const dot = number.indexOf('.');
  const whole = dot < 0 ? number : number.slice(0, dot);
  let cents = 0n;
  if (dot >= 0) {
    const frac = number.slice(dot + 1);
    if (frac.length !== minor) throw new AmountSyntaxError(`Currency ${currency} requires ${minor} minor units`);
    if (!/^[0-9]+$/.test(frac)) throw new AmountSyntaxError('Bad minor units number');
    cents = BigInt(frac);
  }
  if (!/^[0-9]+$/.test(whole)) throw new AmountSyntaxError('Not a valid number');
  let total = BigInt(whole);
  if (total > U64_MAX) throw new AmountSyntaxError('Not a valid number');
  total = total * 10n ** BigInt(minor) + cents;
  if (total > U64_MAX) throw new AmountSyntaxError('excessively large value');
  return { kind: 'currency', currency, amount: total, minorUnits: minor };
}
