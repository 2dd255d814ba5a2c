// The parameter framework against every rule of cln-rpc-digest §0.1, and the
// raw JSON scanner it relies on.
import { describe, expect, it } from 'vitest';
import { BadParamError, badParamMessage, RpcError } from '../host/rpc/errors.js';
import { firstDuplicateKey, JsonSyntaxError, parseJson, rawText, toPlain } from '../host/rpc/json-scan.js';
import { opt, optDef, parseParams, req, usage } from '../host/rpc/params.js';
import { pBool, pEscapedString, pSha256, pString, pU32, pU64 } from '../host/rpc/param-types.js';

const table = {
  amount: req(pU64),
  description: req(pEscapedString()),
  label: opt(pEscapedString(16)),
  single_use: optDef(pBool, false),
};

const run = (params: string) => parseParams(table, parseJson(params));

function rpcError(f: () => unknown): RpcError {
  try {
    f();
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('expected an RpcError');
}
function badParam(f: () => unknown): BadParamError {
  try {
    f();
  } catch (e) {
    if (e instanceof BadParamError) return e;
    throw e;
  }
  throw new Error('expected a BadParamError');
}

describe('raw JSON scanner', () => {
  it('keeps duplicate keys and raw spans', () => {
    const n = parseJson('{"a": 1, "b": "x", "a": 2}');
    expect(n.type).toBe('object');
    if (n.type !== 'object') return;
    expect(n.members.map((m) => m.key.value)).toEqual(['a', 'b', 'a']);
    expect(firstDuplicateKey(n)).toBe('a');
    expect(rawText(n.members[1].value)).toBe('"x"');
  });
  it('flags \\u escapes, decodes the others', () => {
    const n = parseJson('["\\u0041b", "a\\n\\t\\"\\\\\\/"]');
    if (n.type !== 'array') throw new Error();
    const [u, e] = n.items;
    expect(u.type === 'string' && u.hasUnicodeEscape && u.value).toBe('Ab');
    expect(e.type === 'string' && !e.hasUnicodeEscape && e.value).toBe('a\n\t"\\/');
  });
  it('marks lone surrogates as not well formed', () => {
    const n = parseJson('"\\ud800x"');
    expect(n.type === 'string' && n.wellFormed).toBe(false);
    const ok = parseJson('"\\ud83d\\ude00"');
    expect(ok.type === 'string' && ok.wellFormed && ok.value).toBe('😀');
  });
  it('keeps big integers exact', () => {
    expect(toPlain(parseJson('[18446744073709551615, 1.5, 7]'))).toEqual([18446744073709551615n, 1.5, 7]);
  });
  it.each([
    ['[', 'unexpected end'],
    ['{', 'expected a string key'],
    ['{"a":1,}', 'expected a string key'],
    ['[1 2]', "expected ',' or ']'"],
    ['"a\nb"', 'control character'],
    ['01', 'trailing'],
    ['"\\x"', 'bad escape'],
    ['tru', 'unexpected character'],
    ['{"a":1} x', 'trailing'],
    ['[' .repeat(65) + ']'.repeat(65), 'nesting deeper'],
  ])('rejects %j', (text, why) => {
    expect(() => parseJson(text)).toThrow(JsonSyntaxError);
    expect(() => parseJson(text)).toThrow(why);
  });
});

describe('parameter matching (cln-rpc-digest §0.1)', () => {
  it('takes positional parameters in table order; null means not given', () => {
    const { values, given } = run('[1000, "coffee", null, true]');
    expect(values).toEqual({ amount: 1000n, description: 'coffee', label: undefined, single_use: true });
    expect([...given]).toEqual(['amount', 'description', 'single_use']);
  });
  it('takes named parameters; defaults apply to the missing ones', () => {
    const { values } = run('{"description": "tea", "amount": "5"}');
    expect(values).toEqual({ amount: 5n, description: 'tea', label: undefined, single_use: false });
  });
  it('too many positional parameters', () => {
    expect(rpcError(() => run('[1, "a", "b", true, 5]'))).toMatchObject({
      code: -32602,
      message: 'too many parameters: got 5, expected 4',
    });
  });
  it('an earlier bad parameter is reported before "too many"', () => {
    expect(badParam(() => run('["x", "a", "b", true, 5]')).param).toBe('amount');
  });
  it('unknown parameter, with CLN\'s hint', () => {
    expect(rpcError(() => run('{"amount": 1, "description": "d", "color": "red"}')).message).toBe(
      'unknown parameter: color, this may be caused by a failure to autodetect key=value-style parameters. ' +
        'Please try using the -k flag and explicit key=value pairs of parameters.',
    );
  });
  it('missing required parameter (first missing in table order)', () => {
    expect(rpcError(() => run('{"label": "x"}')).message).toBe('missing required parameter: amount');
    expect(rpcError(() => run('[1]')).message).toBe('missing required parameter: description');
    expect(rpcError(() => run('[null, "d"]')).message).toBe('missing required parameter: amount');
  });
  it('duplicate names, found in the raw JSON', () => {
    expect(rpcError(() => run('{"amount": 1, "description": "a", "amount": 1}'))).toMatchObject({
      code: -32602,
      message: 'duplicate json names: amount',
    });
  });
  it('params neither array nor object', () => {
    expect(rpcError(() => run('"x"')).message).toBe('Expected array or object for params');
  });
  it('per-parameter errors: NAME: REASON: invalid token ...', () => {
    const e = badParam(() => run('{"amount": -1, "description": "d"}'));
    expect(e).toMatchObject({ param: 'amount', reason: 'should be an unsigned 64 bit integer', token: '-1' });
    expect(badParamMessage(e, false)).toBe('amount: should be an unsigned 64 bit integer: invalid token (see logs for details)');
    expect(badParamMessage(e, true)).toBe("amount: should be an unsigned 64 bit integer: invalid token '-1'");
  });
  it('escaped strings refuse \\u escapes and other JSON types', () => {
    expect(badParam(() => run('[1, "caf\\u00e9"]'))).toMatchObject({ param: 'description', reason: 'should be a string (without \\u)' });
    expect(badParam(() => run('[1, 5]')).reason).toBe('should be a string (without \\u)');
    expect(run('[1, "tab\\there"]').values.description).toBe('tab\there');
  });
  it('oversize strings are refused', () => {
    expect(badParam(() => run('[1, "d", "12345678901234567"]'))).toMatchObject({
      param: 'label',
      reason: 'should be at most 16 bytes of UTF-8',
    });
    // 16 bytes of UTF-8 in 4 characters is fine; 5 such are not.
    expect(run('[1, "d", "😀😀😀😀"]').values.label).toBe('😀😀😀😀');
    expect(badParam(() => run('[1, "d", "😀😀😀😀😀"]')).param).toBe('label');
  });
  it('booleans are the JSON literals only', () => {
    expect(badParam(() => run('[1, "d", null, "true"]')).reason).toBe("should be 'true' or 'false'");
    expect(badParam(() => run('[1, "d", null, 1]')).reason).toBe("should be 'true' or 'false'");
  });
  it('usage string', () => {
    expect(usage(table)).toBe('amount description [label] [single_use]');
  });
});

describe('parameter types', () => {
  const one = <T>(p: (t: any, n: string) => T, json: string) => p(parseJson(json), 'x');
  it('u64 and u32 accept numbers and digit strings within range', () => {
    expect(one(pU64, '18446744073709551615')).toBe(18446744073709551615n);
    expect(one(pU64, '"42"')).toBe(42n);
    for (const bad of ['18446744073709551616', '1.5', '-1', '"0x10"', '" 1"', 'true', '"1e3"']) {
      expect(() => one(pU64, bad)).toThrow(BadParamError);
    }
    expect(one(pU32, '4294967295')).toBe(4294967295);
    expect(() => one(pU32, '4294967296')).toThrow('should be an unsigned 32 bit integer');
  });
  it('sha256 is 64 hex characters in a string', () => {
    expect(one(pSha256, `"${'AB'.repeat(32)}"`)).toBe('ab'.repeat(32));
    expect(() => one(pSha256, `"${'a'.repeat(63)}"`)).toThrow('should be a 32 byte hex value');
    expect(() => one(pSha256, '1')).toThrow('should be a 32 byte hex value');
  });
  it('plain strings accept escapes but not lone surrogates', () => {
    expect(one(pString(), '"\\u00e9"')).toBe('é');
    expect(() => one(pString(), '"\\udc00"')).toThrow('lone surrogate');
  });
});
