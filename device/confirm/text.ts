// The prompt text under construction, in one static buffer of PROMPT_MAX_TEXT
// bytes (docs/protocol.md "Confirmation"): ASCII only, at most 4 lines of at
// most 32 characters. Every helper clips at the buffer's end, so no input can
// write past it; the handlers keep their lines short by construction.
import { PROMPT_MAX_TEXT } from "../../shared/board";

export const TEXT: usize = memory.data(PROMPT_MAX_TEXT, 8);
let textLen: u32 = 0;

export function textLength(): u32 {
  return textLen;
}

export function textReset(): void {
  for (let i: usize = 0; i < <usize>PROMPT_MAX_TEXT; i++) store<u8>(TEXT + i, 0);
  textLen = 0;
}

export function textByte(c: u32): void {
  if (textLen >= <u32>PROMPT_MAX_TEXT) return;
  store<u8>(TEXT + <usize>textLen, <u8>c);
  textLen++;
}

/** Appends an ASCII string literal (static data: no allocation). */
export function textStr(s: string): void {
  for (let i = 0; i < s.length; i++) textByte(<u32>s.charCodeAt(i));
}

export function textNl(): void {
  textByte(10);
}

/** Appends `v` in decimal. */
export function textDec(v: u64): void {
  // u64 has at most 20 decimal digits.
  let div: u64 = 10000000000000000000;
  let started = false;
  for (let i = 0; i < 20; i++) {
    const d = v / div;
    v = v % div;
    div = div / 10;
    if (d != 0 || started || i == 19) {
      textByte(<u32>(48 + d));
      started = true;
    }
  }
}

/** Appends `n` bytes at `p` as lower-case hex. */
export function textHex(p: usize, n: usize): void {
  for (let i: usize = 0; i < n; i++) {
    const b = <u32>load<u8>(p + i);
    textByte(hexDigit(b >> 4));
    textByte(hexDigit(b & 15));
  }
}

function hexDigit(d: u32): u32 {
  return d < 10 ? 48 + d : 87 + d;
}

/** Appends a version major << 16 | minor << 8 | patch as "M.m.p". */
export function textVersion(v: u32): void {
  textDec(<u64>(v >> 16));
  textByte(46);
  textDec(<u64>((v >> 8) & 0xff));
  textByte(46);
  textDec(<u64>(v & 0xff));
}

/** Appends at most `max` bytes of the text at p (len bytes): printable ASCII
 *  as is, anything else as '?'; "..." replaces the tail when it is cut. */
export function textAscii(p: usize, len: usize, max: usize): void {
  const cut = len > max;
  const n = cut ? (max > 3 ? max - 3 : 0) : len;
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    textByte(c >= 0x20 && c < 0x7f ? c : 0x3f);
  }
  if (cut) textStr("...");
}
