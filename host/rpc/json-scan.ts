// A strict RFC 8259 JSON reader that keeps what JSON.parse throws away:
// every value's raw text span, object members in order *including duplicate
// keys*, and whether a string used `\u` escapes. The parameter layer needs all
// three (CLN reads raw token text for numbers and amounts, rejects duplicate
// names and rejects `\u` in escaped-string parameters).

export class JsonSyntaxError extends Error {
  constructor(readonly reason: string, readonly offset: number) {
    super(`${reason} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

interface Span {
  /** The whole text the value was read from (shared, not copied). */
  readonly src: string;
  /** Offsets of the value's raw text in `src` (string values include their quotes). */
  readonly start: number;
  readonly end: number;
}

export interface JsonString extends Span {
  type: 'string';
  /** The decoded value. */
  value: string;
  /** The raw text used at least one `\u` escape. */
  hasUnicodeEscape: boolean;
  /** False when a `\u` escape produced a lone surrogate (not representable in UTF-8). */
  wellFormed: boolean;
}
export interface JsonNumber extends Span {
  type: 'number';
}
export interface JsonLiteral extends Span {
  type: 'true' | 'false' | 'null';
}
export interface JsonArray extends Span {
  type: 'array';
  items: JsonNode[];
}
export interface JsonMember {
  key: JsonString;
  value: JsonNode;
}
export interface JsonObject extends Span {
  type: 'object';
  /** In text order; a key that appears twice appears twice here. */
  members: JsonMember[];
}
export type JsonNode = JsonString | JsonNumber | JsonLiteral | JsonArray | JsonObject;

/** The raw JSON text of a value, as it appeared in the input. */
export const rawText = (n: JsonNode): string => n.src.slice(n.start, n.end);

/** Nesting deeper than this is refused (keeps the recursive reader's stack bounded). */
export const MAX_JSON_DEPTH = 64;

const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

class Reader {
  at = 0;
  constructor(readonly src: string) {}

  fail(reason: string, at = this.at): never {
    throw new JsonSyntaxError(reason, at);
  }

  skipWs(): void {
    while (this.at < this.src.length && isWs(this.src.charCodeAt(this.at))) this.at++;
  }

  value(depth: number): JsonNode {
    this.skipWs();
    if (this.at >= this.src.length) this.fail('unexpected end of input');
    const c = this.src.charCodeAt(this.at);
    if (c === 0x7b) return this.object(depth + 1);
    if (c === 0x5b) return this.array(depth + 1);
    if (c === 0x22) return this.string();
    if (c === 0x2d || isDigit(c)) return this.number();
    for (const word of ['true', 'false', 'null'] as const) {
      if (this.src.startsWith(word, this.at)) {
        const start = this.at;
        this.at += word.length;
        return { type: word, src: this.src, start, end: this.at };
      }
    }
    this.fail(`unexpected character '${this.src[this.at]}'`);
  }

  object(depth: number): JsonObject {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    const start = this.at++;
    const members: JsonMember[] = [];
    this.skipWs();
    if (this.src.charCodeAt(this.at) === 0x7d) {
      this.at++;
      return { type: 'object', src: this.src, start, end: this.at, members };
    }
    for (;;) {
      this.skipWs();
      if (this.src.charCodeAt(this.at) !== 0x22) this.fail('expected a string key');
      const key = this.string();
      this.skipWs();
      if (this.src.charCodeAt(this.at) !== 0x3a) this.fail("expected ':'");
      this.at++;
      members.push({ key, value: this.value(depth) });
      this.skipWs();
      const c = this.src.charCodeAt(this.at);
      if (c === 0x2c) {
        this.at++;
        continue;
      }
      if (c === 0x7d) {
        this.at++;
        return { type: 'object', src: this.src, start, end: this.at, members };
      }
      this.fail("expected ',' or '}'");
    }
  }

  array(depth: number): JsonArray {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    const start = this.at++;
    const items: JsonNode[] = [];
    this.skipWs();
    if (this.src.charCodeAt(this.at) === 0x5d) {
      this.at++;
      return { type: 'array', src: this.src, start, end: this.at, items };
    }
    for (;;) {
      items.push(this.value(depth));
      this.skipWs();
      const c = this.src.charCodeAt(this.at);
      if (c === 0x2c) {
        this.at++;
        continue;
      }
      if (c === 0x5d) {
        this.at++;
        return { type: 'array', src: this.src, start, end: this.at, items };
      }
      this.fail("expected ',' or ']'");
    }
  }

  number(): JsonNumber {
    const start = this.at;
    const s = this.src;
    if (s.charCodeAt(this.at) === 0x2d) this.at++;
    if (s.charCodeAt(this.at) === 0x30) this.at++;
    else if (isDigit(s.charCodeAt(this.at))) while (isDigit(s.charCodeAt(this.at))) this.at++;
    else this.fail('expected a digit');
    if (s.charCodeAt(this.at) === 0x2e) {
      this.at++;
      if (!isDigit(s.charCodeAt(this.at))) this.fail('expected a digit after the decimal point');
      while (isDigit(s.charCodeAt(this.at))) this.at++;
    }
    const e = s.charCodeAt(this.at);
    if (e === 0x65 || e === 0x45) {
      this.at++;
      const sign = s.charCodeAt(this.at);
      if (sign === 0x2b || sign === 0x2d) this.at++;
      if (!isDigit(s.charCodeAt(this.at))) this.fail('expected a digit in the exponent');
      while (isDigit(s.charCodeAt(this.at))) this.at++;
    }
    return { type: 'number', src: s, start, end: this.at };
  }

  string(): JsonString {
    const s = this.src;
    const start = this.at++;
    let value = '';
    let hasUnicodeEscape = false;
    let wellFormed = true;
    let runStart = this.at;
    for (;;) {
      if (this.at >= s.length) this.fail('unterminated string', start);
      const c = s.charCodeAt(this.at);
      if (c === 0x22) {
        value += s.slice(runStart, this.at);
        this.at++;
        break;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c !== 0x5c) {
        this.at++;
        continue;
      }
      value += s.slice(runStart, this.at);
      const esc = s[this.at + 1];
      this.at += 2;
      switch (esc) {
        case '"': value += '"'; break;
        case '\\': value += '\\'; break;
        case '/': value += '/'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'n': value += '\n'; break;
        case 'r': value += '\r'; break;
        case 't': value += '\t'; break;
        case 'u': {
          const hex = s.slice(this.at, this.at + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape', this.at - 2);
          value += String.fromCharCode(parseInt(hex, 16));
          this.at += 4;
          hasUnicodeEscape = true;
          break;
        }
        default:
          this.fail('bad escape', this.at - 2);
      }
      runStart = this.at;
    }
    if (hasUnicodeEscape) wellFormed = isWellFormed(value);
    return { type: 'string', src: s, start, end: this.at, value, hasUnicodeEscape, wellFormed };
  }
}

/** True when the UTF-16 string has no lone surrogates. */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/** Parses exactly one JSON value (surrounding whitespace allowed). */
export function parseJson(src: string): JsonNode {
  const r = new Reader(src);
  const v = r.value(0);
  r.skipWs();
  if (r.at !== src.length) r.fail('trailing characters after the JSON value');
  return v;
}

/** Finds a member of an object by key; the first occurrence, or undefined. */
export function member(obj: JsonObject, key: string): JsonNode | undefined {
  return obj.members.find((m) => m.key.value === key)?.value;
}

/** The first key that occurs twice in an object, if any. */
export function firstDuplicateKey(obj: JsonObject): string | undefined {
  const seen = new Set<string>();
  for (const m of obj.members) {
    if (seen.has(m.key.value)) return m.key.value;
    seen.add(m.key.value);
  }
  return undefined;
}

/** Converts to plain JS, numbers that are integers beyond 2^53 becoming bigint. */
export function toPlain(n: JsonNode): unknown {
  switch (n.type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const m of n.members) o[m.key.value] = toPlain(m.value);
      return o;
    }
    case 'array':
      return n.items.map(toPlain);
    case 'string':
      return n.value;
    case 'number': {
      const raw = rawText(n);
      if (/^-?\d+$/.test(raw)) {
        const b = BigInt(raw);
        return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(b) : b;
      }
      return Number(raw);
    }
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
  }
}
