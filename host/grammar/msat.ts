// The millisatoshi amount grammar (cln-rpc-digest §2.1, seeds 001/003):
//   <digits>                 msat
//   <digits>msat             msat
//   <digits>sat              sat   (x 1000)
//   <digits>.<3 digits>sat   sat with three decimal places (the seeds' rule;
//                            CLN's parser refuses it, the seeds win)
//   <digits>btc              btc   (x 10^11)
//   <digits>.<0-11 digits>btc
// Suffixes are lower case and matched as prefixes of the rest, as CLN does
// (`100sats` is 100 sat); `msat` is tried before `sat`. The value must fit in
// a u64.

export const U64_MAX = (1n << 64n) - 1n;
export const MSAT_PER_SAT = 1000n;
export const MSAT_PER_BTC = 100_000_000_000n;

/** Millisatoshis, or undefined when `text` is not an amount. */
export function parseAmountMsat(text: string): bigint | undefined {
  const m = /^([0-9]+)(?:\.([0-9]*))?(.*)$/s.exec(text);
  if (!m) return undefined;
  const [, whole, frac, suffix] = m;
  let v: bigint;
  if (frac === undefined) {
    if (suffix === '' || suffix.startsWith('msat')) v = BigInt(whole);
    else if (suffix.startsWith('sat')) v = BigInt(whole) * MSAT_PER_SAT;
    else if (suffix.startsWith('btc')) v = BigInt(whole) * MSAT_PER_BTC;
    else return undefined;
  } else if (suffix.startsWith('btc')) {
    if (frac.length > 11) return undefined;
    v = BigInt(whole) * MSAT_PER_BTC + (frac === '' ? 0n : BigInt(frac) * 10n ** BigInt(11 - frac.length));
  } else if (suffix.startsWith('sat') && frac.length === 3) {
    v = BigInt(whole) * MSAT_PER_SAT + BigInt(frac);
  } else {
    return undefined;
  }
  return v <= U64_MAX ? v : undefined;
}
