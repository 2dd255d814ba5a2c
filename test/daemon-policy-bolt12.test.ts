// The BOLT 12 policy terms through the daemon (issue 12): setpolicy
// payee_daily_msat / recurring_period_msat, getpolicy showing them and the
// allowlist, allowoffer / disallowoffer — the real CLI -> daemon -> serial
// client -> emulator on a PTY whose buttons the test presses (--confirm
// manual, control socket). The limits themselves: test/device-policy-terms.test.ts.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { secp } from '../host/crypto/noble.js';
import { decodeOffer, offerId, offerToString } from '../host/bolt12/index.js';
import * as P from '../shared/protocol.js';
import type { AnnouncedProcess } from '../host/process/announced.js';
import { spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import { L2_HSM_SECRET_HEX, cli, json, removeTempDirs, startDaemon, tempDir, type Run } from './helpers/e2e.js';
import { ascii } from './helpers/bytes.js';

let emu: SpawnedEmulator;
let daemon: AnnouncedProcess<{ rpc_file: string }>;
let data: string;
beforeAll(async () => {
  const dir = tempDir('lns-policy12-');
  const link = join(dir, 'tty');
  emu = await spawnEmulator(['--state', join(dir, 'device'), '--link', link, '--network', 'regtest', '--hsm-secret', L2_HSM_SECRET_HEX,
    '--control', join(dir, 'ctl.sock'), '--confirm', 'manual', '--confirm-timeout', '60']);
  data = join(dir, 'data');
  daemon = await startDaemon(data, link);
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
  await emu?.stop();
  removeTempDirs();
});

const run = (...a: string[]) => cli(['--data-dir', data, ...a]);

async function waitPrompt(): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const r = await emu.control({ op: 'prompt' });
    if (typeof r.prompt === 'string') return r.prompt;
    await sleep(25);
  }
  throw new Error('no prompt appeared');
}
/** Runs a CLI call that waits for the press, presses `which` once the device shows its prompt. */
async function pressed(which: 'approve' | 'deny', ...a: string[]): Promise<{ prompt: string; r: Run }> {
  const call = run(...a);
  const prompt = await waitPrompt();
  await emu.control({ op: 'button', press: which });
  return { prompt, r: await call };
}

/** Someone else's offers (a merchant's key), as lno1 text. */
const merchant = secp.getPublicKey(sha256(ascii('merchant key')), true);
const lno = (i: number) => offerToString({ offer_description: `coffee ${i}`, offer_amount: 1000n + BigInt(i), offer_issuer_id: merchant });
const idOf = (s: string) => bytesToHex(offerId(decodeOffer(s).bytes));

describe('setpolicy / getpolicy: payee_daily_msat and recurring_period_msat', () => {
  it('getpolicy shows both (none on a new device) and an empty allowlist', async () => {
    expect(json(await run('getpolicy'))).toMatchObject({ payee_daily_msat: 'none', recurring_period_msat: 'none', allowlist: [], seq: 0 });
  });

  it('tightening needs no press; the other limits are unchanged', async () => {
    const r = await run('-k', 'setpolicy', 'payee_daily_msat=100sat', 'recurring_period_msat=50000');
    expect([r.code, r.stderr]).toEqual([0, "# Setting the device's spending policy: payee_daily_msat none -> 100000, recurring_period_msat none -> 50000\n"]);
    expect(json(r)).toMatchObject({ payee_daily_msat: 100000, recurring_period_msat: 50000, max_amount_msat: 'none', seq: 1 });
    // A change of another limit writes them back as they are.
    const r2 = await run('setpolicy', 'max_fee_msat=5000');
    expect(json(r2)).toMatchObject({ payee_daily_msat: 100000, recurring_period_msat: 50000, max_fee_msat: 5000, seq: 2 });
  });

  it('loosening waits for the press ("Confirm on the device"); denied changes nothing (2101); approved applies', async () => {
    const denied = await pressed('deny', '-k', 'setpolicy', 'payee_daily_msat=none');
    expect(denied.prompt).toBe('Loosen spending limits?\n payee daily\n');
    expect([denied.r.code, json(denied.r)]).toEqual([1, { code: 2101, message: expect.stringMatching(/denied on the device/) }]);
    expect(denied.r.stderr).toMatch(/# Confirm on the device: .*per payee daily none/);
    expect(json(await run('getpolicy'))).toMatchObject({ payee_daily_msat: 100000, seq: 2 });
    const approved = await pressed('approve', '-k', 'setpolicy', 'payee_daily_msat=200sat', 'recurring_period_msat=none');
    expect(approved.prompt).toBe('Loosen spending limits?\n payee daily period cap\n');
    expect(json(approved.r)).toMatchObject({ payee_daily_msat: 200000, recurring_period_msat: 'none', seq: 3 });
    expect(json(await run('getpolicy'))).toMatchObject({ payee_daily_msat: 200000, recurring_period_msat: 'none', seq: 3 });
  });
});

describe('allowoffer / disallowoffer', () => {
  it('allowoffer lno1...: the device asks; denied (2101) lists nothing; approved lists the offer_id', async () => {
    const denied = await pressed('deny', 'allowoffer', lno(1));
    expect(denied.prompt).toBe(`Allow offer to\npay without a press?\nid ${idOf(lno(1)).slice(0, 16)}...\n`);
    expect(json(denied.r)).toEqual({ code: 2101, message: expect.stringMatching(/^Could not change the offer allowlist: .*denied/) });
    expect(denied.r.stderr).toContain(`# Confirm on the device: allow offer ${idOf(lno(1)).slice(0, 16)}... to be paid without a press`);
    expect(json(await run('getpolicy')).allowlist).toEqual([]);
    const approved = await pressed('approve', 'allowoffer', lno(1));
    expect([approved.r.code, json(approved.r)]).toEqual([0, { offer_id: idOf(lno(1)), allowlist: [idOf(lno(1))] }]);
    expect(json(await run('getpolicy')).allowlist).toEqual([idOf(lno(1))]);
  });

  it('by offer_id (hex), and the lightning: prefix; an offer already listed answers without a prompt', async () => {
    const second = await pressed('approve', 'allowoffer', idOf(lno(2)).toUpperCase());
    expect(json(second.r)).toEqual({ offer_id: idOf(lno(2)), allowlist: [idOf(lno(1)), idOf(lno(2))] });
    const again = await run('allowoffer', `lightning:${lno(1)}`);
    expect([again.code, json(again)]).toEqual([0, { offer_id: idOf(lno(1)), allowlist: [idOf(lno(1)), idOf(lno(2))] }]);
    expect((await emu.control({ op: 'prompt' })).prompt).toBeNull();
  });

  it('disallowoffer: immediate, no press; an offer not listed is -1', async () => {
    const r = await run('disallowoffer', lno(1));
    expect([r.code, json(r)]).toEqual([0, { offer_id: idOf(lno(1)), allowlist: [idOf(lno(2))] }]);
    const absent = await run('disallowoffer', lno(1));
    expect([absent.code, json(absent)]).toEqual([1, { code: -1, message: `offer ${idOf(lno(1))} is not on the device's allowlist` }]);
    expect(json(await run('getpolicy')).allowlist).toEqual([idOf(lno(2))]);
  });

  it(`a full allowlist (${P.ALLOWLIST_CAP}) is refused with the device's reason (2100)`, async () => {
    for (let i = 3; i < P.ALLOWLIST_CAP + 2; i++) expect(json((await pressed('approve', 'allowoffer', lno(i))).r).allowlist.length).toBe(i - 1);
    const full = await run('allowoffer', lno(99));
    expect(json(full)).toEqual({ code: 2100, message: expect.stringMatching(/offer allowlist is full \(16 offers\): remove one first \(disallowoffer\)/) });
    expect(json(await run('getpolicy')).allowlist.length).toBe(P.ALLOWLIST_CAP);
  }, 60_000);

  it('bad parameters: -32602, nothing changes', async () => {
    const reason = 'should be an offer (lno1...) or its 32 byte hex offer_id';
    const cases: Array<[string[], string]> = [
      [['allowoffer', 'lno1qqqq'], `offer: ${reason}: invalid token (see logs for details)`],
      [['allowoffer', '00'.repeat(31)], `offer: ${reason}: invalid token (see logs for details)`],
      [['disallowoffer', '12'], `offer: ${reason}: invalid token (see logs for details)`],
      [['allowoffer'], 'missing required parameter: offer'],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect([r.code, json(r)]).toEqual([1, { code: -32602, message }]);
    }
  });
});
