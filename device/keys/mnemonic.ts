// BIP39 English mnemonics: validation (text, word list, checksum) and the
// mnemonic → 64-byte seed function, over raw memory, no allocation.
//
// The mnemonic is the node's root secret, so validation runs in constant time
// with respect to the words: the text is scanned byte by byte with masks (no
// branch or memory index depends on a letter or on where the spaces are),
// each word is compared with all 2048 list entries, and the checksum is
// compared with masks. Only the final verdict (and, for an invalid text, which
// check failed) is branched on; that verdict is the returned status anyway.
// Public inputs: the text length, and the word count once it is validated
// (12-24 words is the entropy size, not a secret). All scratch is wiped.
import { BIP39_PACKED, BIP39_WORDS } from "./bip39-english";
import { sha256 } from "../crypto/sha256";
import { pbkdf2HmacSha512 } from "../crypto/pbkdf2";
import {
  KEYS_OK, KEYS_ERR_MNEMONIC_TEXT, KEYS_ERR_MNEMONIC_WORDS, KEYS_ERR_MNEMONIC_WORD, KEYS_ERR_MNEMONIC_CHECKSUM,
  KEYS_MIN_MNEMONIC_TEXT, KEYS_MAX_MNEMONIC_TEXT,
} from "../../shared/keys-status";

// BIP39: 12, 15, 18, 21 or 24 words of 11 bits each.
const MAX_WORDS: u32 = 24;
// BIP39 English words have 3 to 8 letters; 8 letters x 5 bits = 40 bits.
const MAX_LETTERS: u32 = 8;
const MASK40: u64 = 0xFF_FFFF_FFFF;
// BIP39: seed = PBKDF2-HMAC-SHA512(mnemonic, "mnemonic" || passphrase, 2048, 64 bytes).
export const BIP39_PBKDF2_ROUNDS: u32 = 2048;
const SALT_PREFIX: usize = memory.data<u8>([0x6d, 0x6e, 0x65, 0x6d, 0x6f, 0x6e, 0x69, 0x63]); // "mnemonic"

const SLOTS: usize = memory.data(<i32>MAX_WORDS * 8, 8); // each word, 5-bit letter codes
const INDEX: usize = memory.data(<i32>MAX_WORDS * 4, 4); // its list index
const FOUND: usize = memory.data(<i32>MAX_WORDS * 4, 4); // 1 when it is in the list
const ENT: usize = memory.data(40, 8); // entropy || checksum bits (<= 264 bits)
const HASH: usize = memory.data(32, 8);

// All-ones when a == b, else 0, without a branch.
@inline function eqMask(a: u64, b: u64): u64 {
  const x = a ^ b;
  return ((x | (0 - x)) >>> 63) - 1;
}

function wipeScratch(): void {
  for (let i: usize = 0; i < <usize>MAX_WORDS * 8; i += 8) store<u64>(SLOTS + i, 0);
  for (let i: usize = 0; i < <usize>MAX_WORDS * 4; i += 4) {
    store<u32>(INDEX + i, 0);
    store<u32>(FOUND + i, 0);
  }
  for (let i: usize = 0; i < 40; i += 8) store<u64>(ENT + i, 0);
  for (let i: usize = 0; i < 32; i += 8) store<u64>(HASH + i, 0);
}

// Writes `acc` into SLOTS[k] for the k with k == pos, when `flag` is set,
// touching every slot (no secret-dependent address).
@inline function storeSlot(pos: u32, acc: u64, flag: u64): void {
  for (let s: u32 = 0; s < MAX_WORDS; s++) {
    const p = SLOTS + (<usize>s << 3);
    const m = flag & eqMask(<u64>s, <u64>pos);
    store<u64>(p, (load<u64>(p) & ~m) | (acc & m));
  }
}

// Splits the text into SLOTS. Returns the number of words (spaces + 1), or 0
// when the text breaks a rule of KEYS_ERR_MNEMONIC_TEXT.
function splitWords(text: usize, len: usize): u32 {
  let acc: u64 = 0;
  let letters: u32 = 0;
  let spaces: u32 = 0;
  let bad: u32 = 0;
  for (let i: usize = 0; i < len; i++) {
    const c = <u32>load<u8>(text + i);
    // Rule: ASCII lower-case letters and single spaces only (so the text is its
    // own NFKD form, as BIP39 requires of the PBKDF2 password).
    const lower = <u32>(c - 0x61 < 26);
    const space = <u32>(c == 0x20);
    bad |= (lower | space) ^ 1;
    const mSpace: u64 = 0 - <u64>space;
    const mLower: u64 = 0 - <u64>lower;
    storeSlot(spaces, acc, mSpace);
    spaces += space;
    acc = (((acc << 5) | <u64>(c - 0x60)) & mLower) | (acc & ~(mLower | mSpace));
    letters = (letters + lower) & ((space ^ 1) * 0xFFFFFFFF);
    // Rule: at most 8 letters per word (longer cannot be a BIP39 word).
    bad |= <u32>(letters > MAX_LETTERS);
  }
  storeSlot(spaces, acc, 0xFFFF_FFFF_FFFF_FFFF);
  // Rule: at most 24 words. (An empty word, from a leading, trailing or double
  // space, leaves a 0 slot, which matches no list entry.)
  bad |= <u32>(spaces >= MAX_WORDS);
  return bad ? 0 : spaces + 1;
}

// Checks a BIP39 English mnemonic: the text rules, the word count, every word
// in the list, and the checksum (BIP39: the first ENT/32 bits of SHA-256 of
// the entropy). Returns KEYS_OK or the first
// failing rule's KEYS_ERR_MNEMONIC_* code.
export function mnemonicCheck(text: usize, len: usize): i32 {
  // Rule: 12 words of at least 3 letters, or 24 of at most 8 letters.
  if (len < <usize>KEYS_MIN_MNEMONIC_TEXT || len > <usize>KEYS_MAX_MNEMONIC_TEXT) return KEYS_ERR_MNEMONIC_TEXT;
  wipeScratch();
  const words = splitWords(text, len);
  if (words == 0) { wipeScratch(); return KEYS_ERR_MNEMONIC_TEXT; }
  // BIP39: the word count is a multiple of 3 between 12 and 24 (CS = ENT / 32).
  if (words < 12 || words % 3 != 0) { wipeScratch(); return KEYS_ERR_MNEMONIC_WORDS; }

  // Each word against the whole list: INDEX[s] |= j where it matches.
  for (let j: u32 = 0; j < BIP39_WORDS; j++) {
    const entry = load<u64>(BIP39_PACKED + <usize>j * 5) & MASK40;
    for (let s: u32 = 0; s < words; s++) {
      const m = <u32>eqMask(load<u64>(SLOTS + (<usize>s << 3)), entry);
      const pi = INDEX + (<usize>s << 2), pf = FOUND + (<usize>s << 2);
      store<u32>(pi, load<u32>(pi) | (m & j));
      store<u32>(pf, load<u32>(pf) | (m & 1));
    }
  }
  let missing: u32 = 0;
  for (let s: u32 = 0; s < words; s++) missing |= load<u32>(FOUND + (<usize>s << 2)) ^ 1;

  // BIP39: the 11-bit indices, concatenated, are ENT entropy bits followed by
  // CS = ENT / 32 checksum bits. Bit positions depend on the word count only.
  for (let s: u32 = 0; s < words; s++) {
    const idx = load<u32>(INDEX + (<usize>s << 2));
    for (let b: u32 = 0; b < 11; b++) {
      const pos = s * 11 + b;
      const bit = (idx >>> (10 - b)) & 1;
      const p = ENT + <usize>(pos >>> 3);
      store<u8>(p, load<u8>(p) | <u8>(bit << (7 - (pos & 7))));
    }
  }
  const csBits = words / 3;
  const entBytes = <usize>(words * 4 / 3); // ENT / 8 = 32 * words / 3 / 8
  sha256(ENT, entBytes, HASH);
  const expected = <u32>load<u8>(HASH) >>> (8 - csBits);
  const actual = load<u32>(INDEX + (<usize>(words - 1) << 2)) & ((1 << csBits) - 1);
  const badSum = <u32>((expected ^ actual) != 0);
  wipeScratch();
  if (missing) return KEYS_ERR_MNEMONIC_WORD;
  if (badSum) return KEYS_ERR_MNEMONIC_CHECKSUM;
  return KEYS_OK;
}

// BIP39 seed (64 bytes) of a mnemonic text that passed mnemonicCheck, with the
// passphrase bytes used verbatim (Core Lightning / libwally do not normalize
// them; an ASCII passphrase is its own NFKD form). `out64` must not overlap
// the text or the passphrase.
export function mnemonicToSeed(text: usize, len: usize, pass: usize, passLen: usize, out64: usize): void {
  pbkdf2HmacSha512(text, len, SALT_PREFIX, 8, pass, passLen, BIP39_PBKDF2_ROUNDS, out64, 64);
}

// Writes BIP39 English word `index` (0..2047) as ASCII at out (up to 8 bytes)
// and returns its length, or 0 when index >= 2048. Public data (variable time).
export function bip39Word(index: u32, out: usize): u32 {
  if (index >= BIP39_WORDS) return 0;
  const v = load<u64>(BIP39_PACKED + <usize>index * 5) & MASK40;
  let n: u32 = 0;
  while (v >>> (<u64>n * 5) != 0) n++;
  for (let k: u32 = 0; k < n; k++) {
    store<u8>(out + <usize>k, <u8>(0x60 + ((v >>> (<u64>(n - 1 - k) * 5)) & 31)));
  }
  return n;
}
