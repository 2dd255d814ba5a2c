// ISO 4217 currency codes and their minor-unit exponents. The set is Core
// Lightning's table (common/iso4217.c: the 2018 list, no BTC/XBT) plus codes
// added to ISO 4217 since (SLE, VED, XCG, ZWG). Exponents follow CLN: 0 for
// the zero-decimal currencies and for the funds/metals/testing codes (ISO's
// "N.A."), 3 or 4 where ISO says so, 2 for everything else.

const ZERO = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XAG XAU XBA XBB XBC XBD XDR XOF XPD XPF XPT XSU XTS XUA XXX';
const THREE = 'BHD IQD JOD KWD LYD OMR TND';
const FOUR = 'CLF UYW';
const TWO =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL ' +
  'GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR ' +
  'LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB ' +
  'PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP ' +
  'SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL';

const TABLE = new Map<string, number>();
for (const [list, minor] of [[ZERO, 0], [TWO, 2], [THREE, 3], [FOUR, 4]] as const) {
  for (const code of list.split(' ')) TABLE.set(code, minor);
}

/** Minor-unit exponent of an ISO 4217 code (exact, case-sensitive match), or undefined. */
export const minorUnits = (code: string): number | undefined => TABLE.get(code);

/** Every code we know, sorted. */
export const currencyCodes = (): string[] => [...TABLE.keys()].sort();
