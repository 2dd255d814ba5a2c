// BOLT 12 text form: `<prefix>1<data>` where data is the TLV stream written in
// the bech32 alphabet, without checksum, all lower or all upper case, possibly
// split by `+` and whitespace. 8<->5 bit regrouping is @scure/base's bech32
// (which also enforces the padding rules); the alphabet lookup is below.
import { bech32 } from '@scure/base';
import { Bolt12StringError } from './errors.js';

const ALPHABET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const WORD_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) WORD_OF[ALPHABET.charCodeAt(i)] = i;

/**
 * The prefixes this codec knows: offer, invoice_request, invoice (`lni` is
 * CLN's convention) and payer proof (`lnp`, BOLT 12 payer proofs).
 */
export const BOLT12_PREFIXES = ['lno', 'lnr', 'lni', 'lnp'] as const;
export type Bolt12Prefix = (typeof BOLT12_PREFIXES)[number];

// The whitespace CLN's reader skips after `+` (C isspace).
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

export interface Bolt12Text {
  prefix: Bolt12Prefix;
  bytes: Uint8Array;
}

/**
 * Joins `+`-continued pieces. Returns the joined characters and, for each, its
 * index in the input (so later errors can point into the original string).
 */
function joinContinuations(s: string): { chars: string[]; at: number[] } {
  const chars: string[] = [];
  const at: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '+') {
      chars.push(c);
      at.push(i);
      continue;
    }
    // BOLT #12: if it encounters a `+` followed by zero or more whitespace
    // characters between two bech32 characters: MUST remove the `+` and whitespace.
    let j = i + 1;
    while (j < s.length && isSpace(s[j])) j++;
    const before = s[i - 1];
    const after = s[j];
    const isChar = (x: string | undefined) => x !== undefined && x !== '+' && !isSpace(x);
    if (!isChar(before) || !isChar(after)) {
      throw new Bolt12StringError("'+' must be between two characters of the string", i);
    }
    i = j - 1;
  }
  return { chars, at };
}

/** Decodes the text layer; the caller checks the prefix is the one it expects. */
export function decodeBolt12String(input: string): Bolt12Text {
  const { chars, at } = joinContinuations(input);
  const s = chars.join('');
  // BOLT #12: readers MUST handle strings which are all lowercase, or all UPPERCASE.
  const lower = s.toLowerCase();
  if (s !== lower && s !== s.toUpperCase()) {
    const first = [...s].findIndex((c, i) => c !== lower[i]);
    const firstLower = [...s].findIndex((c) => c !== c.toUpperCase());
    throw new Bolt12StringError('mixed upper and lower case', at[Math.max(first, firstLower)]);
  }
  const sep = lower.lastIndexOf('1');
  if (sep < 0) throw new Bolt12StringError("no '1' separator after the prefix");
  const prefix = lower.slice(0, sep);
  if (!(BOLT12_PREFIXES as readonly string[]).includes(prefix)) {
    throw new Bolt12StringError(`unknown prefix '${prefix}' (expected lno, lnr, lni or lnp)`, at[0] ?? 0);
  }
  const words: number[] = new Array(lower.length - sep - 1);
  for (let i = sep + 1; i < lower.length; i++) {
    const code = lower.charCodeAt(i);
    const w = code < 128 ? WORD_OF[code] : -1;
    if (w < 0) throw new Bolt12StringError(`invalid character '${s[i]}' (not in the bech32 alphabet)`, at[i]);
    words[i - sep - 1] = w;
  }
  let bytes: Uint8Array;
  try {
    // Rejects 5 or more leftover bits and non-zero padding bits.
    bytes = bech32.fromWords(words);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Bolt12StringError(`bad bech32 padding at the end of the data: ${why}`, at[at.length - 1]);
  }
  return { prefix: prefix as Bolt12Prefix, bytes };
}

/** Canonical text form: lower case (or upper case for QR codes), no `+` splits. */
export function encodeBolt12String(prefix: Bolt12Prefix, bytes: Uint8Array, opts: { upper?: boolean } = {}): string {
  const words = bech32.toWords(bytes);
  let s = `${prefix}1`;
  for (const w of words) s += ALPHABET[w];
  return opts.upper ? s.toUpperCase() : s;
}
