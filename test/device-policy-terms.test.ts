// The BOLT 12 terms of the spending policy (issue 12; docs/firmware/onion.md
// "Policy", docs/protocol.md "get_policy / set_policy", "allowlist"), in-process:
// - the real firmware (set_policy 36 | 52 bytes, get_policy 77 bytes, the
//   allowlist request with its press, reboot persistence, a record written
//   before issue 12 read as the strictest setting);
// - device/policy/bolt12-terms.ts and the spend-log calls the pay handler
//   makes (payeeTag, termsCheck, allowlisted, logAppend's tag, logRemove),
//   compiled from the firmware's own sources into a small harness module
//   (test/fixtures/as/policy-terms.ts) that runs on the SAME flash as the
//   firmware: what one writes the other reads.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { FLASH_POLICY_OFF, FLASH_SECTOR, PROMPT_APPROVED, PROMPT_DENIED, PROMPT_WAITING } from '../shared/board.js';
import { crc32c } from '../host/transport/crc.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { autoPrompt, firmwareImports, type BoardPrompt } from '../host/firmware/load.js';
import { decodeError } from '../host/transport/messages.js';
import { decodePolicy, encodeBuildOnion, encodeProvision, encodeSetPolicy, type SpendingLimits } from '../host/device-client/requests.js';
import { decodeAllowlist, encodeAllowlist } from '../host/device-client/allowlist-requests.js';
import { encodeHopPayload } from '../host/onion/payload.js';
import { secp } from '../host/crypto/noble.js';
import { ascii, x } from './helpers/bytes.js';
import { powerUp, type Chip } from './helpers/chip.js';
import { keyCases } from './helpers/device-requests.js';

const K = keyCases[0];
const NOW = 1_800_000_000;
const DAY = P.POLICY_WINDOW_SECONDS;

/** A board prompt whose buttons the test sets (showing a prompt arms them). */
class Buttons implements BoardPrompt {
  shown: string[] = [];
  answer: number = PROMPT_WAITING;
  armed: number = PROMPT_WAITING;
  show(text: string): number {
    if (text) { this.shown.push(text); this.answer = this.armed; }
    return 0;
  }
  poll(): number { return this.answer; }
  always(a: number): void { this.armed = this.answer = a; }
}

const NONE: SpendingLimits = { maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null };
const NONE12: SpendingLimits = { ...NONE, payeeDailyMsat: null, periodCapMsat: null };
const status = (f: { type: number; payload: Uint8Array }) => (f.type === P.MSG_ERROR ? decodeError(f.payload)!.code : 0);
const detail = (f: { type: number; payload: Uint8Array }) => decodeError(f.payload)!.detail;
const ok = (c: Chip, type: number, payload: Uint8Array) => {
  const f = c.request(type, payload);
  expect(f.type, f.type === P.MSG_ERROR ? `status 0x${status(f).toString(16)}` : '').toBe(type | P.MSG_REPLY);
  return f.payload;
};
const policy = (c: Chip) => decodePolicy(ok(c, P.MSG_GET_POLICY, new Uint8Array(0)));
const allowlist = (c: Chip) => decodeAllowlist(ok(c, P.MSG_ALLOWLIST, encodeAllowlist('list'))).map(x);

/** A new chip provisioned (by an approving board), then running with `prompt` at `clock`. */
function device(prompt: BoardPrompt, clock = () => NOW) {
  const flash = new MemoryFlash();
  ok(powerUp(flash, autoPrompt(), clock), P.MSG_PROVISION, encodeProvision({ hsmSecret: K.file, network: 'regtest' }));
  return { flash, chip: powerUp(flash, prompt, clock) };
}

// ---- The harness: device/policy/ compiled with the firmware's options ----------

let harnessWasm: Uint8Array;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lns-terms-'));
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { main: asc } = await import('assemblyscript/asc');
  const out = join(dir, 'policy-terms.wasm');
  const r = await asc([
    join(root, 'test/fixtures/as/policy-terms.ts'), '--config', join(root, 'test/fixtures/as/asconfig.json'),
    '--outFile', out, '--path', join(root, 'build/gen'),
  ], {});
  if (r.error) throw r.error;
  harnessWasm = readFileSync(out);
}, 60_000);

interface Terms {
  tag(key: Uint8Array): number;
  check(now: number, tag: number, amount: bigint, recurring?: boolean): number;
  policyCheck(board: number, amount: bigint, hash?: Uint8Array): number;
  allowed(id: Uint8Array): boolean;
  append(now: number, amount: bigint, key: Uint8Array, tag?: number): void;
  remove(key: Uint8Array): boolean;
  used(): number;
  commit(): number;
}

/** The harness on `flash`; every call loads the policy record first, as a handler does. */
function terms(flash: MemoryFlash): Terms {
  let memory: WebAssembly.Memory | undefined;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(harnessWasm as BufferSource), firmwareImports(() => memory!, { entropy: () => undefined, flash }));
  const e = inst.exports as Record<string, any>;
  memory = e.memory as WebAssembly.Memory;
  const io = e.io() >>> 0;
  const put = (at: number, b: Uint8Array) => new Uint8Array(memory!.buffer).set(b, io + at);
  return {
    tag: (key) => { put(0, key); return e.payee_tag() >>> 0; },
    check: (now, tag, amount, recurring = false) => { e.load(); return e.terms_check(now, tag, amount, recurring ? 1 : 0); },
    policyCheck: (board, amount, hash = sha256(ascii('harness'))) => { e.load(); e.expire(board); put(64, hash); return e.policy_check(board, amount); },
    allowed: (id) => { e.load(); put(0, id); return e.allowed() === 1; },
    append: (now, amount, key, tag) => {
      e.load();
      put(32, key.subarray(0, 16));
      put(64, sha256(key));
      if (tag === undefined) e.append_untagged(now, amount); else e.append(now, amount, tag);
      expect(e.commit()).toBe(0);
    },
    remove: (key) => { e.load(); put(32, key.subarray(0, 16)); const r = e.remove() === 1; if (r) expect(e.commit()).toBe(0); return r; },
    used: () => { e.load(); return e.used() >>> 0; },
    commit: () => e.commit(),
  };
}

const payee = (i: number) => secp.getPublicKey(sha256(ascii(`payee ${i}`)), true);
const partKey = (s: string) => sha256(ascii(`part ${s}`));
const offer = (i: number) => sha256(ascii(`offer ${i}`));
const u32le = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);

// ---- payeeTag, termsCheck, allowlisted, logAppend(tag), logRemove -----------------

describe('device/policy/bolt12-terms.ts (the calls of the pay handler)', () => {
  it('payeeTag: the first 4 bytes of SHA256(payee key), read little-endian; never 0', () => {
    const t = terms(new MemoryFlash());
    fc.assert(fc.property(fc.uint8Array({ minLength: 33, maxLength: 33 }), (key) => {
      const want = u32le(sha256(key));
      expect(t.tag(key)).toBe(want === 0 ? 1 : want);
    }), { numRuns: 200 });
    expect(t.tag(payee(1))).not.toBe(t.tag(payee(2)));
  });

  it('a new device: no BOLT 12 limit, no allowlisted offer', () => {
    const { flash } = device(autoPrompt());
    const t = terms(flash);
    expect(t.check(NOW, t.tag(payee(1)), 10n ** 18n, true)).toBe(0);
    expect(t.check(0, t.tag(payee(1)), 1n)).toBe(0); // no limit reads the clock
    expect(t.allowed(offer(1))).toBe(false);
  });

  it('payee_daily_msat: what one payee received in the rolling 24 h, this part included; other payees and untagged parts apart', () => {
    const { flash, chip } = device(autoPrompt());
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE12, payeeDailyMsat: 100_000n }));
    const t = terms(flash);
    const a = t.tag(payee(1)), b = t.tag(payee(2));
    t.append(NOW - 3600, 60_000n, partKey('a1'), a);
    t.append(NOW - 60, 30_000n, partKey('a2'), a);
    t.append(NOW - 60, 500_000n, partKey('onion')); // a build_onion part (tag 0)
    expect(t.check(NOW, a, 10_000n)).toBe(0); // exactly at the limit
    expect(t.check(NOW, a, 10_001n)).toBe(P.POLICY_LIMIT_PAYEE_DAILY);
    expect(t.check(NOW, b, 100_000n)).toBe(0);
    expect(t.check(NOW, b, 100_001n)).toBe(P.POLICY_LIMIT_PAYEE_DAILY);
    // Tag 0 (no payee) is outside the per-payee window.
    expect(t.check(NOW, 0, 10n ** 12n)).toBe(0);
    // The spend log still counts every part for the global window.
    expect(policy(chip)).toMatchObject({ spentLast24hMsat: 590_000n, logUsed: 3, payeeDailyMsat: 100_000n, periodCapMsat: null });
    // Rolling: the 60_000 part leaves the window 24 h after it was made.
    expect(t.check(NOW - 3600 + DAY - 1, a, 10_001n)).toBe(P.POLICY_LIMIT_PAYEE_DAILY);
    expect(t.check(NOW - 3600 + DAY, a, 70_000n)).toBe(0);
    expect(t.check(NOW - 3600 + DAY, a, 70_001n)).toBe(P.POLICY_LIMIT_PAYEE_DAILY);
    // No clock: refused as the daily limit is (POLICY_LIMIT_CLOCK).
    expect(t.check(0, a, 1n)).toBe(P.POLICY_LIMIT_CLOCK);
  });

  it('logRemove (kept for the store; pay_failed does not call it): a removed part leaves the payee window and the spend log; an unknown key removes nothing', () => {
    const { flash, chip } = device(autoPrompt());
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE12, payeeDailyMsat: 100_000n }));
    const t = terms(flash);
    const a = t.tag(payee(1));
    t.append(NOW - 10, 40_000n, partKey('p1'), a);
    t.append(NOW - 5, 50_000n, partKey('p2'), a);
    t.append(NOW - 1, 1_000n, partKey('p3'), a);
    expect(t.check(NOW, a, 9_001n)).toBe(P.POLICY_LIMIT_PAYEE_DAILY);
    expect(t.remove(partKey('p2'))).toBe(true);
    expect(t.remove(partKey('p2'))).toBe(false);
    expect(t.remove(partKey('never'))).toBe(false);
    expect(t.check(NOW, a, 59_000n)).toBe(0);
    expect(t.check(NOW, a, 59_001n)).toBe(P.POLICY_LIMIT_PAYEE_DAILY);
    // Persisted: the firmware after a power cycle sees the remaining two, in order.
    const again = powerUp(flash, autoPrompt(), () => NOW);
    expect(policy(again)).toMatchObject({ spentLast24hMsat: 41_000n, logUsed: 2 });
    expect(t.remove(partKey('p1'))).toBe(true);
    expect(t.remove(partKey('p3'))).toBe(true);
    expect(policy(again)).toMatchObject({ spentLast24hMsat: 0n, logUsed: 0 });
  });

  it('period_cap_msat: one recurring payment is at most the cap; other payments are not capped by it', () => {
    const { flash, chip } = device(autoPrompt());
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE12, periodCapMsat: 50_000n }));
    const t = terms(flash);
    const a = t.tag(payee(1));
    expect(t.check(NOW, a, 50_000n, true)).toBe(0);
    expect(t.check(NOW, a, 50_001n, true)).toBe(P.POLICY_LIMIT_PERIOD_CAP);
    expect(t.check(NOW, 0, 50_001n, true)).toBe(P.POLICY_LIMIT_PERIOD_CAP); // the whole invoice, tag 0
    expect(t.check(NOW, a, 10n ** 15n, false)).toBe(0);
    // Both limits set: the cap is checked first, then the payee window.
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE12, payeeDailyMsat: 20_000n, periodCapMsat: 50_000n }));
    expect(t.check(NOW, a, 50_001n, true)).toBe(P.POLICY_LIMIT_PERIOD_CAP);
    expect(t.check(NOW, a, 30_000n, true)).toBe(P.POLICY_LIMIT_PAYEE_DAILY);
    expect(t.check(NOW, a, 20_000n, true)).toBe(0);
  });

  it('a full spend log refuses (log_full) while only the payee limit reads it, rather than forget a payee\'s spend', () => {
    const { flash, chip } = device(autoPrompt());
    const t = terms(flash);
    const a = t.tag(payee(1));
    for (let i = 0; i < P.POLICY_LOG_CAP; i++) t.append(NOW - 100 + i, 1n, partKey(`fill ${i}`), i === 0 ? a : 0);
    expect(t.used()).toBe(P.POLICY_LOG_CAP);
    // No limit reads the log: the oldest entry may go (as before issue 12).
    expect(t.policyCheck(NOW, 1n)).toBe(0);
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE12, payeeDailyMsat: 1_000_000n }));
    expect(t.policyCheck(NOW, 1n)).toBe(P.POLICY_LIMIT_LOG_FULL);
    // Through build_onion as well.
    const nodes = [1, 2].map((i) => secp.getPublicKey(sha256(Uint8Array.of(i)), true));
    const f = chip.request(P.MSG_BUILD_ONION, encodeBuildOnion({
      hops: [
        { pubkey: nodes[0], payload: encodeHopPayload({ amountMsat: 5n, cltv: 800040, shortChannelId: new Uint8Array(8).fill(1) }) },
        { pubkey: nodes[1], payload: encodeHopPayload({ amountMsat: 5n, cltv: 800000, paymentSecret: new Uint8Array(32).fill(3) }) },
      ],
      paymentHash: sha256(ascii('log full')), firstHopAmountMsat: 5n,
    }));
    expect([status(f), detail(f)]).toEqual([P.ERR_POLICY, P.POLICY_LIMIT_LOG_FULL]);
    expect(t.check(NOW, a, 999_999n)).toBe(0);
    expect(t.check(NOW, a, 1_000_000n)).toBe(P.POLICY_LIMIT_PAYEE_DAILY);
  });
});

// ---- set_policy / get_policy ------------------------------------------------------

describe('set_policy with the BOLT 12 limits (36 or 52 bytes)', () => {
  it('a new device reports both limits as none and an empty allowlist (77-byte reply, old offsets kept)', () => {
    const { chip } = device(autoPrompt());
    const r = ok(chip, P.MSG_GET_POLICY, new Uint8Array(0));
    expect(r.length).toBe(P.POLICY_REPLY_SIZE);
    expect(P.POLICY_REPLY_SIZE).toBe(77);
    expect(decodePolicy(r)).toMatchObject({ payeeDailyMsat: null, periodCapMsat: null, allowlistCount: 0, logCapacity: P.POLICY_LOG_CAP, seq: 0 });
    const dv = new DataView(r.buffer, r.byteOffset);
    expect(dv.getUint16(P.POLICY_REPLY_OFF_CAP, true)).toBe(P.POLICY_LOG_CAP);
    expect(dv.getUint32(P.POLICY_REPLY_OFF_CLOCK, true)).toBe(NOW);
  });

  it('only 36 or 52 bytes are a set_policy; nothing changes otherwise', () => {
    const { chip } = device(autoPrompt());
    const full = encodeSetPolicy({ ...NONE12, payeeDailyMsat: 5n, periodCapMsat: 6n });
    expect(full.length).toBe(P.SET_POLICY_SIZE_BOLT12);
    for (const n of [0, 35, 37, 44, 51, 53, 100]) {
      const req = new Uint8Array(n);
      req.set(full.subarray(0, Math.min(n, full.length)));
      expect(status(chip.request(P.MSG_SET_POLICY, req)), `${n} bytes`).toBe(P.ERR_BAD_PAYLOAD);
    }
    expect(policy(chip).seq).toBe(0);
  });

  it('tightening applies at once; loosening either limit asks (its own prompt line); a 36-byte set_policy leaves them unchanged', () => {
    const b = new Buttons();
    const { chip, flash } = device(b);
    const tight = { ...NONE12, payeeDailyMsat: 100_000n, periodCapMsat: 40_000n };
    expect(decodePolicy(ok(chip, P.MSG_SET_POLICY, encodeSetPolicy(tight)))).toMatchObject(tight);
    expect(b.shown).toEqual([]);
    // 36 bytes: the BOLT 12 limits stay (and need no press though "none" is sent for nothing).
    expect(decodePolicy(ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE, dailyLimitMsat: 1_000_000n })))).toMatchObject({ ...tight, dailyLimitMsat: 1_000_000n });
    expect(b.shown).toEqual([]);
    const base = { ...tight, dailyLimitMsat: 1_000_000n };
    const cases: [Partial<SpendingLimits>, string][] = [
      [{ payeeDailyMsat: 100_001n }, 'Loosen spending limits?\n payee daily\n'],
      [{ periodCapMsat: null }, 'Loosen spending limits?\n period cap\n'],
      [{ payeeDailyMsat: null, periodCapMsat: 40_001n }, 'Loosen spending limits?\n payee daily period cap\n'],
      [{ dailyLimitMsat: null, periodCapMsat: 40_001n }, 'Loosen spending limits?\n daily\n period cap\n'],
    ];
    for (const [change, text] of cases) {
      b.shown = [];
      b.always(PROMPT_DENIED);
      expect(status(chip.request(P.MSG_SET_POLICY, encodeSetPolicy({ ...base, ...change })))).toBe(P.ERR_CONFIRM_DENIED);
      expect(policy(chip)).toMatchObject(base);
      expect(b.shown).toEqual([text]);
      for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(32);
    }
    b.always(PROMPT_APPROVED);
    expect(decodePolicy(ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...base, payeeDailyMsat: 200_000n, periodCapMsat: null })))).toMatchObject({ payeeDailyMsat: 200_000n, periodCapMsat: null });
    // Survives a power cycle.
    expect(policy(powerUp(flash, autoPrompt(), () => NOW))).toMatchObject({ ...base, payeeDailyMsat: 200_000n, periodCapMsat: null });
    expect(terms(flash).check(NOW, 7, 200_001n)).toBe(P.POLICY_LIMIT_PAYEE_DAILY);
  });
});

// ---- allowlist ------------------------------------------------------------------

describe('allowlist (0x28)', () => {
  it('add asks on the device (offer id prefix, "pay without a press"); denied changes nothing; approved persists', () => {
    const b = new Buttons();
    const { chip, flash } = device(b);
    const add = encodeAllowlist('add', offer(1));
    expect(status(chip.request(P.MSG_ALLOWLIST, add))).toBe(P.ERR_CONFIRM_PENDING);
    expect(b.shown).toEqual([`Allow offer to\npay without a press?\nid ${x(offer(1)).slice(0, 16)}...\n`]);
    b.answer = PROMPT_DENIED;
    expect(status(chip.request(P.MSG_ALLOWLIST, add))).toBe(P.ERR_CONFIRM_DENIED);
    expect(allowlist(chip)).toEqual([]);
    expect(terms(flash).allowed(offer(1))).toBe(false);
    expect(status(chip.request(P.MSG_ALLOWLIST, add))).toBe(P.ERR_CONFIRM_PENDING);
    b.answer = PROMPT_APPROVED;
    expect(decodeAllowlist(ok(chip, P.MSG_ALLOWLIST, add)).map(x)).toEqual([x(offer(1))]);
    expect(policy(chip).allowlistCount).toBe(1);
    const t = terms(flash);
    expect(t.allowed(offer(1))).toBe(true);
    expect(t.allowed(offer(2))).toBe(false);
    // An id already listed: no prompt, no write.
    const seq = policy(chip).seq;
    b.shown = [];
    expect(decodeAllowlist(ok(chip, P.MSG_ALLOWLIST, add)).map(x)).toEqual([x(offer(1))]);
    expect([b.shown, policy(chip).seq]).toEqual([[], seq]);
    // A power cycle keeps it.
    const again = powerUp(flash, new Buttons(), () => NOW);
    expect(allowlist(again)).toEqual([x(offer(1))]);
  });

  it('remove is immediate (no prompt); an absent id changes nothing; order is kept', () => {
    const b = new Buttons();
    b.always(PROMPT_APPROVED);
    const { chip, flash } = device(b);
    for (const i of [1, 2, 3]) ok(chip, P.MSG_ALLOWLIST, encodeAllowlist('add', offer(i)));
    expect(b.shown.length).toBe(3);
    b.always(PROMPT_DENIED);
    b.shown = [];
    expect(decodeAllowlist(ok(chip, P.MSG_ALLOWLIST, encodeAllowlist('remove', offer(2)))).map(x)).toEqual([x(offer(1)), x(offer(3))]);
    const seq = policy(chip).seq;
    expect(decodeAllowlist(ok(chip, P.MSG_ALLOWLIST, encodeAllowlist('remove', offer(2)))).map(x)).toEqual([x(offer(1)), x(offer(3))]);
    expect([b.shown, policy(chip).seq]).toEqual([[], seq]);
    expect(terms(flash).allowed(offer(2))).toBe(false);
    expect(terms(flash).allowed(offer(3))).toBe(true);
    expect(allowlist(powerUp(flash, b, () => NOW))).toEqual([x(offer(1)), x(offer(3))]);
  });

  it(`holds ALLOWLIST_CAP (${P.ALLOWLIST_CAP}) offers; one more is refused (ERR_REFUSED, REFUSED_ALLOWLIST_FULL) without a prompt`, () => {
    const b = new Buttons();
    b.always(PROMPT_APPROVED);
    const { chip, flash } = device(b);
    for (let i = 0; i < P.ALLOWLIST_CAP; i++) ok(chip, P.MSG_ALLOWLIST, encodeAllowlist('add', offer(i)));
    b.shown = [];
    const f = chip.request(P.MSG_ALLOWLIST, encodeAllowlist('add', offer(99)));
    expect([status(f), detail(f), b.shown]).toEqual([P.ERR_REFUSED, P.REFUSED_ALLOWLIST_FULL, []]);
    // Re-adding a listed one still answers (nothing to add).
    expect(decodeAllowlist(ok(chip, P.MSG_ALLOWLIST, encodeAllowlist('add', offer(5)))).length).toBe(P.ALLOWLIST_CAP);
    const after = powerUp(flash, b, () => NOW);
    expect(allowlist(after)).toEqual(Array.from({ length: P.ALLOWLIST_CAP }, (_, i) => x(offer(i))));
    expect(policy(after).allowlistCount).toBe(P.ALLOWLIST_CAP);
    const t = terms(flash);
    for (let i = 0; i < P.ALLOWLIST_CAP; i++) expect(t.allowed(offer(i))).toBe(true);
    expect(t.allowed(offer(99))).toBe(false);
  });

  it('malformed requests are ERR_BAD_PAYLOAD; an unprovisioned device refuses; random payloads never trap', () => {
    const { chip } = device(autoPrompt());
    const cases = [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(4), Uint8Array.of(P.ALLOWLIST_OP_LIST, 0),
      Uint8Array.of(P.ALLOWLIST_OP_ADD), new Uint8Array(32).fill(1), new Uint8Array(34).fill(2), Uint8Array.of(9, ...offer(1))];
    for (const c of cases) expect(status(chip.request(P.MSG_ALLOWLIST, c)), x(c)).toBe(P.ERR_BAD_PAYLOAD);
    const fresh = powerUp(new MemoryFlash(), autoPrompt(), () => NOW);
    expect(status(fresh.request(P.MSG_ALLOWLIST, encodeAllowlist('list')))).toBe(P.ERR_NOT_PROVISIONED);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (p) => {
      const f = chip.request(P.MSG_ALLOWLIST, p);
      expect([P.MSG_ALLOWLIST | P.MSG_REPLY, P.MSG_ERROR]).toContain(f.type);
    }), { numRuns: 300 });
  });
});

// ---- A record written before issue 12 -----------------------------------------------

/** A policy record as firmware before issue 12 wrote it (format 0: 2628
 *  bytes, CRC at 2624; bytes past it are whatever the erased sector holds). */
function oldRecord(o: { seq: number; limits: SpendingLimits; log: { time: number; amount: bigint; key: Uint8Array }[]; floor?: number }): Uint8Array {
  const r = new Uint8Array(2628);
  const dv = new DataView(r.buffer);
  dv.setUint32(0, 0x59434c50, true);
  dv.setUint32(4, o.seq, true);
  const lim = encodeSetPolicy(o.limits);
  r.set(lim.subarray(0, 28), 8);
  dv.setUint32(36, o.log.length, true);
  r.set(lim.subarray(P.POLICY_OFF_CONFIRM_ABOVE, P.POLICY_OFF_CONFIRM_ABOVE + 8), 40);
  dv.setUint32(48, o.floor ?? 0, true);
  o.log.forEach((e, i) => {
    const at = 64 + 40 * i;
    dv.setUint32(at, e.time, true);
    dv.setBigUint64(at + 8, e.amount, true);
    r.set(e.key.subarray(0, 16), at + 16);
    r.set(sha256(e.key).subarray(0, 8), at + 32);
  });
  dv.setUint32(2624, crc32c(r.subarray(4, 2624)), true);
  return r;
}

describe('a policy record written before issue 12 (firmware update)', () => {
  const limits: SpendingLimits = { maxAmountMsat: 500_000n, maxFeeMsat: 2_000n, maxFeePpm: 3_000, dailyLimitMsat: 900_000n, confirmAboveMsat: 10_000n };
  function updated(b: BoardPrompt, tail = 0xff) {
    const { flash } = device(autoPrompt());
    const rec = oldRecord({ seq: 7, limits, floor: NOW - 50, log: [{ time: NOW - 100, amount: 123_000n, key: partKey('old 1') }, { time: NOW - 90, amount: 7_000n, key: partKey('old 2') }] });
    const off = FLASH_POLICY_OFF + (7 & 1) * FLASH_SECTOR;
    expect(flash.erase(FLASH_POLICY_OFF, 2 * FLASH_SECTOR)).toBe(0);
    expect(flash.write(off, rec)).toBe(0);
    if (tail !== 0xff) expect(flash.write(off + rec.length, new Uint8Array(600).fill(tail))).toBe(0);
    return { flash, chip: powerUp(flash, b, () => NOW) };
  }

  it('keeps its limits and spend log, and reads the BOLT 12 limits as 0 (the strictest) with an empty allowlist', () => {
    for (const tail of [0xff, 0x00, 0x5a]) {
      const { chip, flash } = updated(autoPrompt(), tail);
      expect(policy(chip)).toMatchObject({ ...limits, seq: 7, spentLast24hMsat: 130_000n, logUsed: 2, clockFloor: NOW - 50, payeeDailyMsat: 0n, periodCapMsat: 0n, allowlistCount: 0 });
      expect(allowlist(chip)).toEqual([]);
      const t = terms(flash);
      // No BOLT 12 payment passes until the user raises the limits.
      expect(t.check(NOW, t.tag(payee(1)), 1n)).toBe(P.POLICY_LIMIT_PAYEE_DAILY);
      expect(t.check(NOW, 0, 1n, true)).toBe(P.POLICY_LIMIT_PERIOD_CAP);
      expect(t.allowed(offer(1))).toBe(false);
      expect(t.allowed(new Uint8Array(32))).toBe(false);
    }
  });

  it('a 36-byte set_policy keeps them at 0; raising them needs the press; the record is rewritten in the new format and survives a power cycle', () => {
    const b = new Buttons();
    const { chip, flash } = updated(b);
    // Tightening the old limits: no press, the BOLT 12 ones stay 0.
    expect(decodePolicy(ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...limits, dailyLimitMsat: 800_000n })))).toMatchObject({ seq: 8, payeeDailyMsat: 0n, periodCapMsat: 0n });
    expect(b.shown).toEqual([]);
    const raise = encodeSetPolicy({ ...limits, dailyLimitMsat: 800_000n, payeeDailyMsat: 300_000n, periodCapMsat: 100_000n });
    b.always(PROMPT_DENIED);
    expect(status(chip.request(P.MSG_SET_POLICY, raise))).toBe(P.ERR_CONFIRM_DENIED);
    expect(b.shown).toEqual(['Loosen spending limits?\n payee daily period cap\n']);
    b.always(PROMPT_APPROVED);
    expect(decodePolicy(ok(chip, P.MSG_SET_POLICY, raise))).toMatchObject({ seq: 9, payeeDailyMsat: 300_000n, periodCapMsat: 100_000n, spentLast24hMsat: 130_000n });
    // Both sectors now hold format-1 records (offset 52 = 1); the old log survived.
    const hdr = new Uint8Array(64);
    for (const s of [0, 1]) {
      expect(flash.read(FLASH_POLICY_OFF + s * FLASH_SECTOR, hdr)).toBe(0);
      expect(new DataView(hdr.buffer).getUint32(52, true)).toBe(1);
    }
    const again = powerUp(flash, autoPrompt(), () => NOW);
    expect(policy(again)).toMatchObject({ ...limits, dailyLimitMsat: 800_000n, payeeDailyMsat: 300_000n, periodCapMsat: 100_000n, logUsed: 2, seq: 9 });
    const t = terms(flash);
    expect(t.check(NOW, t.tag(payee(1)), 300_000n)).toBe(0);
  });

  it('a damaged old record is not trusted (CRC), and an unknown format is refused: the other copy or the default applies', () => {
    const { flash } = updated(autoPrompt());
    const off = FLASH_POLICY_OFF + FLASH_SECTOR;
    // Clear the bits of one byte of the old log (123_000 = 0x01e078): the CRC no longer matches.
    expect(flash.write(off + 64 + 8, Uint8Array.of(0))).toBe(0);
    expect(policy(powerUp(flash, autoPrompt(), () => NOW))).toMatchObject({ seq: 0, maxAmountMsat: null, payeeDailyMsat: null, logUsed: 0 });
    // A format number this firmware does not write (2): not a record.
    const { flash: f2 } = updated(autoPrompt());
    const rec = oldRecord({ seq: 7, limits, log: [] });
    new DataView(rec.buffer).setUint32(52, 2, true);
    new DataView(rec.buffer).setUint32(2624, crc32c(rec.subarray(4, 2624)), true);
    expect(f2.erase(off, FLASH_SECTOR)).toBe(0);
    expect(f2.write(off, rec)).toBe(0);
    expect(policy(powerUp(f2, autoPrompt(), () => NOW))).toMatchObject({ seq: 0, maxAmountMsat: null });
  });
});
