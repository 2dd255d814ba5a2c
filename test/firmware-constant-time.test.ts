// The compiled firmware does not branch on secrets: every field, scalar and
// group operation of signing, ECDH, tweaks and key derivation, and the two
// constant-time multipliers, are checked in the release build's own
// instructions (binaryen may turn a mask into a branch, as it once did with
// feIsZero's `(z == 0) | (q == 0)` inside gejAddGe). Rule and reasoning:
// docs/firmware/secp256k1.md, "Constant-time argument".
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FIRMWARE_WASM } from '../host/paths.js';
import { analyzeModule, branchOps, parseWat, secretBranches, type WatFunction } from './helpers/wat-taint.js';

const wat = readFileSync(FIRMWARE_WASM.replace(/\.wasm$/, '.wat'), 'utf8');
const funcs = parseWat(wat);

// "Computed once" flags: they say whether a public table was built, nothing more.
const PUBLIC_GLOBALS = new Set([
  'device/crypto/group/groupReady', 'device/crypto/ecmult-gen/ready', 'device/crypto/tagged-hash/ready',
]);

// Secret-path modules: every function of theirs left in the module is checked,
// except the variable-time ones (named *Var, or in ecmult-var: public data by
// the naming rule) and genInit (builds the k·G table from G alone).
const SECRET_MODULES = /^device\/crypto\/(field|scalar|group|ecmult-gen|ecmult-const)\//;
const EXEMPT = (name: string): boolean =>
  /Var$/.test(name) || name === 'device/crypto/ecmult-gen/genInit';
// Functions of other modules on the secret path: the q·P ladder (ecmultConst,
// inlined into pointMul), k·G → point, loading a secret key, the BIP-340
// challenge hash.
const ALSO_CHECKED = [
  'device/crypto/keys/pointMul', 'device/crypto/keys/pubkeyPoint', 'device/crypto/keys/seckeyLoad',
  'device/crypto/bip340/challenge',
];

// Must exist as functions of their own: if the optimizer inlines one away its
// code is no longer checked here, so the test fails and asks for a fix
// (keep it out of line, or add the function it landed in to ALSO_CHECKED).
const REQUIRED = [
  'field/feMul', 'field/feSqr', 'field/feSqrN', 'field/feAdd', 'field/feSub', 'field/feNeg',
  'field/feNormalize', 'field/feNormalizeWeak', 'field/feIsZero', 'field/feInv', 'field/powPrefix',
  'field/feFromStorage', 'field/feToStorage', 'field/feSetB32', 'field/feGetB32',
  'scalar/scSetB32', 'scalar/scAdd', 'scalar/scCondNeg', 'scalar/mul512', 'scalar/reduce512',
  'scalar/addMulC', 'scalar/mulShift384', 'scalar/scSplitLambda',
  'group/gejDouble', 'group/gejAddGe', 'group/gejSetGe', 'group/geSetGejZinv', 'group/geCondNegY',
  'group/geFromStorage', 'group/gePubkeySerialize',
  'ecmult-gen/ecmultGen', 'ecmult-const/addDigit', 'ecmult-const/oddMultiplesTable',
  'keys/pointMul', 'keys/pubkeyPoint',
].map((n) => `device/crypto/${n}`);

// Straight-line leaves: no branch instruction at all, whatever its condition.
const STRAIGHT_LINE = [
  'field/feMul', 'field/feSqr', 'field/feAdd', 'field/feSub', 'field/feNeg', 'field/feNormalize',
  'field/feNormalizeWeak', 'field/feIsZero', 'field/feInv', 'field/powPrefix', 'field/feFromStorage',
  'field/feToStorage', 'field/feSetB32', 'group/gejDouble', 'group/gejAddGe', 'group/geCondNegY',
  'group/geSetGejZinv',
].map((n) => `device/crypto/${n}`);

const checked = [...funcs.keys()].filter((n) =>
  (SECRET_MODULES.test(n) && !EXEMPT(n)) || ALSO_CHECKED.includes(n));

describe('constant-time firmware (compiled code)', () => {
  const { violations } = analyzeModule(funcs, PUBLIC_GLOBALS);

  it('keeps every named secret-path function out of line', () => {
    expect(REQUIRED.filter((n) => !funcs.has(n))).toEqual([]);
    for (const n of REQUIRED) expect(checked).toContain(n);
  });

  it('has straight-line field and point formulas (no if, br_if, br_table or select)', () => {
    const found = STRAIGHT_LINE.map((n) => [n, branchOps(funcs.get(n)!)] as const).filter(([, b]) => b.length > 0);
    expect(found).toEqual([]);
  });

  it('branches only on public values (loop counters, lengths, fixed arguments) in every secret-path function', () => {
    expect(checked.length).toBeGreaterThanOrEqual(REQUIRED.length);
    const bad = checked.flatMap((n) => (violations.get(n) ?? []).map((v) =>
      `${n} #${v.index} ${v.op} after ${funcs.get(n)!.body[v.index - 1]}`));
    expect(bad).toEqual([]);
  });

  it('sees the branches the variable-time code takes on its data (the analysis is not vacuous)', () => {
    for (const n of ['device/crypto/group/gejAddGeVar', 'device/crypto/group/gejAddVar']) {
      expect(violations.get(n)!.length).toBeGreaterThan(0);
    }
    // the digit passed to addDigit is secret, its lambda/first flags are not
    const { secretParams } = analyzeModule(funcs, PUBLIC_GLOBALS);
    expect(secretParams.get('device/crypto/ecmult-const/addDigit')!.some((s) => s)).toBe(true);
  });
});

describe('secret-flow analysis', () => {
  const mod = (text: string): Map<string, WatFunction> => parseWat(text);
  const run = (text: string, name: string): number => {
    const m = mod(text);
    return analyzeModule(m, new Set()).violations.get(name)!.length;
  };

  it('flags the branch binaryen made of feIsZero (a loaded value steering an if)', () => {
    const text = [
      ' (func $isz (param $0 i32) (result i32)',
      '  local.get $0', '  i64.load', '  i64.eqz', '  if (result i64)', '   i64.const 0', '  else',
      '   i64.const 1', '  end', '  i64.eqz', ' )',
      ' (func $export (param $0 i32) (result i32)', '  local.get $0', '  call $isz', ' )',
    ].join('\n');
    expect(run(text, 'isz')).toBe(1);
  });

  it('accepts a counted loop over secret data', () => {
    const text = [
      ' (func $sum (param $0 i32) (result i32)', '  (local $1 i32)', '  (local $2 i32)',
      '  loop $for-loop|0', '   local.get $1', '   i32.const 8', '   i32.lt_u', '   if',
      '    local.get $2', '    local.get $0', '    local.get $1', '    i32.add', '    i32.load8_u',
      '    i32.add', '    local.set $2', '    local.get $1', '    i32.const 1', '    i32.add',
      '    local.set $1', '    br $for-loop|0', '   end', '  end', '  local.get $2', ' )',
    ].join('\n');
    expect(run(text, 'sum')).toBe(0);
  });

  it('flags a loop counter that a secret flows into on the back edge', () => {
    const text = [
      ' (func $f (param $0 i32)', '  (local $1 i32)',
      '  loop $l', '   local.get $1', '   i32.const 8', '   i32.lt_u', '   if',
      '    local.get $0', '    i32.load', '    local.set $1', '    br $l', '   end', '  end', ' )',
    ].join('\n');
    expect(run(text, 'f')).toBe(1);
  });

  it('follows a secret into a callee through its parameter', () => {
    const text = [
      ' (func $leaf (param $0 i32) (param $1 i32)', '  local.get $1', '  if', '   nop', '  end', ' )',
      ' (func $caller (param $0 i32)', '  local.get $0', '  i32.const 1', '  call $leaf',
      '  local.get $0', '  local.get $0', '  i32.load', '  call $leaf', ' )',
    ].join('\n');
    expect(run(text, 'leaf')).toBe(1);
    const once = mod(text);
    expect(secretBranches(once, once.get('leaf')!, [false, false])).toEqual([]);
  });
});
