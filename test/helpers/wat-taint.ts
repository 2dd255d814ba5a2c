// Secret-flow check of compiled firmware functions: reads the release build's
// text form (binaryen's flat instruction listing, one instruction per line) and
// runs a small taint analysis over each function's instructions.
//
// Tainted ("may depend on a secret"): every value loaded from memory, every
// global but the listed public ones, every call result, and every parameter
// that some call site in the module passes a tainted value (analyzeModule).
// Constants are public; an operation is tainted when one of its operands is. Locals are tracked per program point (binaryen reuses one local
// for several variables), with joins where control flow meets and a fixpoint
// over each loop. A branch — `if`, `br_if`, `br_table`, `select` — whose
// condition is tainted is a violation: only loop counters, lengths and other
// public values may steer control flow.

export interface WatFunction {
  name: string;
  params: number;
  results: number;
  body: string[];
}

export interface Violation {
  fn: string;
  index: number;
  op: string;
}

/** Every function of the module (imports included, with an empty body). */
export function parseWat(wat: string): Map<string, WatFunction> {
  const funcs = new Map<string, WatFunction>();
  let cur: WatFunction | null = null;
  for (const raw of wat.split('\n')) {
    const head = /^ \((?:import "[^"]*" "[^"]*" \()?func \$(\S+)(.*)$/.exec(raw);
    if (head) {
      const sig = head[2];
      const fn: WatFunction = {
        name: head[1],
        params: (sig.match(/\(param /g) ?? []).length,
        results: (sig.match(/\(result /g) ?? []).length,
        body: [],
      };
      funcs.set(fn.name, fn);
      cur = raw.startsWith(' (import') ? null : fn;
      continue;
    }
    if (cur === null) continue;
    if (raw === ' )') { cur = null; continue; }
    const ins = raw.trim();
    if (ins.startsWith('(local ') || ins === '') continue;
    cur.body.push(ins);
  }
  return funcs;
}

/** The branching instructions of a function, wherever their condition comes from. */
export function branchOps(fn: WatFunction): string[] {
  return fn.body.filter((i) => /^(if|br_if|br_table|select)\b/.test(i));
}

type Locals = Map<string, boolean>;
interface Frame {
  kind: 'block' | 'loop' | 'if' | 'func';
  label: string | null;
  arity: number;
  height: number;
  start: number;
  entry: Locals;
  branched: Locals | null;
  value: boolean;
  thenState: { locals: Locals; value: boolean } | null;
  hasElse: boolean;
}

function join(a: Locals | null, b: Locals): Locals {
  if (a === null) return new Map(b);
  const r = new Map(a);
  for (const [k, v] of b) r.set(k, (r.get(k) ?? false) || v);
  return r;
}

function sameLocals(a: Locals, b: Locals): boolean {
  for (const [k, v] of b) if ((a.get(k) ?? false) !== v) return false;
  for (const [k, v] of a) if ((b.get(k) ?? false) !== v) return false;
  return true;
}

const UNARY = /^(i32|i64)\.(eqz|clz|ctz|popcnt|wrap_i64|extend_i32_[su]|extend(8|16|32)_s)$|^i64\.extend_i32_[su]$/;
const BINARY = /^(i32|i64)\.(add|sub|mul|div_[su]|rem_[su]|and|or|xor|shl|shr_[su]|rotl|rotr|eq|ne|lt_[su]|gt_[su]|le_[su]|ge_[su])$/;

/**
 * Branches of `fn` whose condition may depend on a secret, given which of its
 * parameters may (`secretParams[i]`). `onCall` sees the taint of every call's
 * arguments.
 */
export function secretBranches(
  funcs: Map<string, WatFunction>, fn: WatFunction, secretParams: boolean[],
  publicGlobals: Set<string> = new Set(),
  onCall: (callee: string, args: boolean[]) => void = () => {},
): Violation[] {
  const out: Violation[] = [];
  const body = fn.body;
  let locals: Locals = new Map();
  for (let p = 0; p < fn.params; p++) locals.set(`$${p}`, secretParams[p] ?? true);
  let stack: boolean[] = [];
  let reachable = true;
  let skipDepth = 0; // nesting depth inside unreachable code
  const frames: Frame[] = [{
    kind: 'func', label: null, arity: fn.results, height: 0, start: -1,
    entry: new Map(), branched: null, value: false, thenState: null, hasElse: false,
  }];
  const pop = (): boolean => {
    if (stack.length === 0) throw new Error(`${fn.name}: stack underflow`);
    return stack.pop()!;
  };
  const target = (label: string): Frame => {
    if (/^\d+$/.test(label)) return frames[frames.length - 1 - Number(label)];
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i].label === label) return frames[i];
    throw new Error(`${fn.name}: unknown label ${label}`);
  };
  const branchTo = (f: Frame): void => {
    if (f.kind === 'loop') { f.branched = join(f.branched, locals); return; }
    f.branched = join(f.branched, locals);
    if (f.arity > 0) f.value = f.value || stack[stack.length - 1];
  };
  const flag = (index: number, op: string, cond: boolean): void => {
    if (cond) out.push({ fn: fn.name, index, op });
  };
  const reported = new Set<number>();

  for (let k = 0; k < body.length; k++) {
    const ins = body[k];
    const [op, ...args] = ins.split(/\s+/);
    const opens = op === 'block' || op === 'loop' || op === 'if';
    if (!reachable) {
      if (opens) { skipDepth++; continue; }
      if (skipDepth > 0) { if (op === 'end') skipDepth--; continue; }
      if (op !== 'else' && op !== 'end') continue;
    }
    const arity = /\(result /.test(ins) ? 1 : 0;
    const label = args[0] && args[0].startsWith('$') ? args[0] : null;
    if (op === 'block' || op === 'loop') {
      frames.push({
        kind: op, label, arity, height: stack.length, start: k, entry: new Map(locals),
        branched: null, value: false, thenState: null, hasElse: false,
      });
    } else if (op === 'if') {
      const c = pop();
      if (c && !reported.has(k)) { reported.add(k); flag(k, 'if', true); }
      frames.push({
        kind: 'if', label, arity, height: stack.length, start: k, entry: new Map(locals),
        branched: null, value: false, thenState: null, hasElse: false,
      });
    } else if (op === 'else') {
      const f = frames[frames.length - 1];
      f.thenState = reachable ? { locals, value: f.arity > 0 ? stack[stack.length - 1] : false } : null;
      f.hasElse = true;
      locals = new Map(f.entry);
      stack = stack.slice(0, f.height);
      reachable = true;
    } else if (op === 'end') {
      const f = frames.pop()!;
      if (f.kind === 'loop') {
        // Fixpoint: re-run the body while a back edge brings in more taint.
        const again = f.branched !== null ? join(f.entry, f.branched) : f.entry;
        if (!sameLocals(again, f.entry)) {
          f.entry = again;
          f.branched = null;
          frames.push(f);
          locals = new Map(again);
          stack = stack.slice(0, f.height);
          reachable = true;
          skipDepth = 0;
          k = f.start;
          continue;
        }
        // falls through with the body's final state
        if (!reachable) { stack = stack.slice(0, f.height); }
        if (f.arity > 0 && reachable) { const v = pop(); stack = stack.slice(0, f.height); stack.push(v); }
        continue;
      }
      let merged: Locals | null = f.branched;
      let value = f.value;
      if (reachable) {
        merged = join(merged, locals);
        if (f.arity > 0) value = value || stack[stack.length - 1];
      }
      if (f.kind === 'if') {
        if (f.thenState) { merged = join(merged, f.thenState.locals); value = value || f.thenState.value; }
        if (!f.hasElse) merged = join(merged, f.entry); // the condition was false
      }
      stack = stack.slice(0, f.height);
      if (f.kind === 'func') break;
      if (merged === null) { reachable = false; continue; }
      locals = merged;
      reachable = true;
      if (f.arity > 0) stack.push(value);
    } else if (op === 'br') {
      branchTo(target(args[0]));
      reachable = false;
    } else if (op === 'br_if') {
      const c = pop();
      if (c && !reported.has(k)) { reported.add(k); flag(k, 'br_if', true); }
      branchTo(target(args[0]));
    } else if (op === 'br_table') {
      const c = pop();
      if (!reported.has(k)) { reported.add(k); flag(k, 'br_table', c); }
      for (const a of args) branchTo(target(a));
      reachable = false;
    } else if (op === 'return') {
      reachable = false;
    } else if (op === 'unreachable') {
      reachable = false;
    } else if (op === 'select') {
      const c = pop();
      const b = pop();
      const a = pop();
      if (c && !reported.has(k)) { reported.add(k); flag(k, 'select', true); }
      stack.push(a || b || c);
    } else if (/^(i32|i64)\.const$/.test(op)) {
      stack.push(false);
    } else if (op === 'local.get') {
      stack.push(locals.get(args[0]) ?? false); // unset locals start at 0
    } else if (op === 'local.set') {
      locals.set(args[0], pop());
    } else if (op === 'local.tee') {
      const v = pop();
      locals.set(args[0], v);
      stack.push(v);
    } else if (op === 'global.get') {
      stack.push(!publicGlobals.has(args[0].slice(1)));
    } else if (op === 'global.set' || op === 'drop') {
      pop();
    } else if (/\.load/.test(op)) {
      pop();
      stack.push(true);
    } else if (/\.store/.test(op)) {
      pop();
      pop();
    } else if (op === 'call') {
      const callee = funcs.get(args[0].slice(1));
      if (!callee) throw new Error(`${fn.name}: unknown callee ${args[0]}`);
      const argTaint: boolean[] = [];
      for (let i = 0; i < callee.params; i++) argTaint.unshift(pop());
      onCall(callee.name, argTaint);
      if (callee.results > 0) stack.push(true);
    } else if (UNARY.test(op)) {
      stack.push(pop());
    } else if (BINARY.test(op)) {
      const b = pop();
      const a = pop();
      stack.push(a || b);
    } else if (op === 'memory.size') {
      stack.push(false);
    } else if (op === 'nop') {
      // nothing
    } else {
      throw new Error(`${fn.name}: instruction not modelled: ${ins}`);
    }
  }
  return out;
}

/**
 * Whole-module analysis. A parameter is secret when some call site anywhere in
 * the module passes it a value that may depend on a secret (fixpoint over the
 * call graph); the parameters of exported functions and of functions nobody
 * calls are public (the board passes pointers and lengths). Returns, for every
 * function, its branches on possibly secret values.
 */
export function analyzeModule(
  funcs: Map<string, WatFunction>, publicGlobals: Set<string>,
): { secretParams: Map<string, boolean[]>; violations: Map<string, Violation[]> } {
  const secretParams = new Map<string, boolean[]>();
  for (const f of funcs.values()) secretParams.set(f.name, new Array(f.params).fill(false));
  let changed = true;
  let violations = new Map<string, Violation[]>();
  while (changed) {
    changed = false;
    violations = new Map();
    for (const f of funcs.values()) {
      if (f.body.length === 0) continue; // imports
      const v = secretBranches(funcs, f, secretParams.get(f.name)!, publicGlobals, (callee, args) => {
        const cur = secretParams.get(callee)!;
        args.forEach((t, i) => { if (t && !cur[i]) { cur[i] = true; changed = true; } });
      });
      violations.set(f.name, v);
    }
  }
  return { secretParams, violations };
}
