// Parsers for the parameter types our commands use, with Core Lightning's
// reason strings (common/json_param.c) where CLN has the type.
import { bad, type ParamParser } from './params.js';
import * as secp from '@noble/secp256k1';
import { rawText, type JsonNode } from './json-scan.js';

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffffffffn;

/** Longest text we accept in a free-text parameter (description, issuer, label), in UTF-8 bytes. */
export const MAX_TEXT_PARAM_BYTES = 1024;

export const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * The text of a number token, or of a string token's contents: CLN's
 * json_to_u64 reads either (`1000` and `"1000"` are the same).
 */
function numberText(tok: JsonNode): string | undefined {
  if (tok.type === 'number') return rawText(tok);
  if (tok.type === 'string') return tok.value;
  return undefined;
}

/**
 * Unsigned decimal integer up to `max`. CLN uses strtoull, which also takes
 * signs, hex and leading spaces; we accept plain decimal digits only.
 */
function unsigned(tok: JsonNode, max: bigint): bigint | undefined {
  const t = numberText(tok);
  if (t === undefined || !/^[0-9]+$/.test(t)) return undefined;
  const v = BigInt(t);
  return v <= max ? v : undefined;
}

/** CLN param_u64: "should be an unsigned 64 bit integer". */
export const pU64: ParamParser<bigint> = (tok, name) =>
  unsigned(tok, U64_MAX) ?? bad(name, 'should be an unsigned 64 bit integer', tok);

/** CLN param_u32: "should be an unsigned 32 bit integer". */
export const pU32: ParamParser<number> = (tok, name) => {
  const v = unsigned(tok, U32_MAX);
  return v === undefined ? bad(name, 'should be an unsigned 32 bit integer', tok) : Number(v);
};

/** CLN param_bool: a JSON `true` or `false` literal only. */
export const pBool: ParamParser<boolean> = (tok, name) => {
  if (tok.type === 'true') return true;
  if (tok.type === 'false') return false;
  return bad(name, "should be 'true' or 'false'", tok);
};

/** CLN param_sha256: exactly 32 bytes of hex. Returned lower-cased. */
export const pSha256: ParamParser<string> = (tok, name) => {
  if (tok.type === 'string' && /^[0-9a-fA-F]{64}$/.test(tok.value)) return tok.value.toLowerCase();
  return bad(name, 'should be a 32 byte hex value', tok);
};

function checkText(tok: JsonNode & { type: 'string' }, name: string, maxBytes: number): string {
  if (!tok.wellFormed) bad(name, 'should be valid UTF-8 (lone surrogate escape)', tok);
  if (utf8Length(tok.value) > maxBytes) bad(name, `should be at most ${maxBytes} bytes of UTF-8`, tok);
  return tok.value;
}

/**
 * CLN param_escaped_string: must be a JSON string and must not use `\u`
 * escapes ("should be a string (without \u)"); other escapes are decoded.
 * We also bound its length.
 */
export const pEscapedString =
  (maxBytes = MAX_TEXT_PARAM_BYTES): ParamParser<string> =>
  (tok, name) => {
    if (tok.type !== 'string' || tok.hasUnicodeEscape) return bad(name, 'should be a string (without \\u)', tok);
    return checkText(tok, name, maxBytes);
  };

/** A JSON string (any escapes), bounded. */
export const pString =
  (maxBytes = MAX_TEXT_PARAM_BYTES): ParamParser<string> =>
  (tok, name) => {
    if (tok.type !== 'string') return bad(name, 'should be a string', tok);
    return checkText(tok, name, maxBytes);
  };

/** CLN param_pubkey: 33 bytes of hex, a valid compressed secp256k1 point. Returned lower-cased. */
export const pPubkey: ParamParser<string> = (tok, name) => {
  if (tok.type === 'string' && /^0[23][0-9a-fA-F]{64}$/.test(tok.value)) {
    try {
      secp.Point.fromHex(tok.value);
      return tok.value.toLowerCase();
    } catch {
      // not on the curve
    }
  }
  return bad(name, 'should be a compressed pubkey', tok);
};

/** A JSON array of pubkeys (CLN's fronting_nodes); `[]` is allowed. */
export const pPubkeyArray: ParamParser<string[]> = (tok, name) => {
  if (tok.type !== 'array') return bad(name, 'should be an array', tok);
  return tok.items.map((t, i) => pPubkey(t, `${name}[${i}]`));
};
