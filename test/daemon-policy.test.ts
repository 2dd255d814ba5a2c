// getpolicy / setpolicy end to end: the real CLI -> daemon -> serial client
// -> emulator on a PTY. Parameters as Core Lightning takes them (positional
// or -k, msat grammar, `none` removes a limit, omitted = unchanged), its
// -32602 messages, lnsigner's device error codes, and `message`
// notifications printed by the CLI as "# ..." on stderr (not with -N none).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnnouncedProcess } from '../host/process/announced.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { cli, json, removeTempDirs, startDaemon, startEmulator, tempDir } from './helpers/e2e.js';

let emu: SpawnedEmulator;
let daemon: AnnouncedProcess<{ rpc_file: string }>;
let data: string;
beforeAll(async () => {
  const dir = tempDir('lns-policy-');
  ({ emu } = await startEmulator(dir));
  data = join(dir, 'data');
  daemon = await startDaemon(data, join(dir, 'tty'));
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
  await emu?.stop();
  removeTempDirs();
});

const run = (...a: string[]) => cli(['--data-dir', data, ...a]);
const NONE = { max_amount_msat: 'none', max_fee_msat: 'none', max_fee_ppm: 'none', daily_limit_msat: 'none', confirm_above_msat: 'none' };

describe('daemon getpolicy / setpolicy', () => {
  let seq = 0;
  it('getpolicy: no limits on a fresh device, empty spend log', async () => {
    const r = await run('getpolicy');
    expect(r.code).toBe(0);
    const p = json(r);
    expect(p).toEqual({
      ...NONE, spent_last_24h_msat: 0, log_entries: 0, log_capacity: 64, device_clock: expect.any(Number), seq: 0,
      payee_daily_msat: 'none', recurring_period_msat: 'none', allowlist: [],
    });
    expect(p.device_clock).toBeGreaterThan(1_600_000_000);
  });

  it('setpolicy positional: msat grammar and none; the client is told what changes ("# ..." on stderr)', async () => {
    const r = await run('setpolicy', '1000sat', 'none', '5000');
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ ...NONE, max_amount_msat: 1000000, max_fee_ppm: 5000, seq: ++seq });
    expect(r.stderr).toBe("# Setting the device's spending policy: max_amount_msat none -> 1000000, max_fee_ppm none -> 5000\n");
    // Three-space indentation like lightning-cli; amounts as JSON numbers, "none" as a string.
    expect(r.stdout).toContain('   "max_amount_msat": 1000000,\n   "max_fee_msat": "none",');
  });

  it('setpolicy -k: only the given limits change (omitted = unchanged)', async () => {
    const r = await run('-k', 'setpolicy', 'daily_limit_msat=0.01btc', 'max_fee_msat=2000');
    expect(json(r)).toMatchObject({ max_amount_msat: 1000000, max_fee_msat: 2000, max_fee_ppm: 5000, daily_limit_msat: 1000000000, confirm_above_msat: 'none', seq: ++seq });
    // key=value detected without -k; "none" removes one limit only.
    const r2 = await run('setpolicy', 'max_amount_msat=none');
    expect(json(r2)).toMatchObject({ max_amount_msat: 'none', max_fee_msat: 2000, max_fee_ppm: 5000, daily_limit_msat: 1000000000, seq: ++seq });
    // Positional null = not given.
    const r3 = await run('setpolicy', 'null', 'null', '0');
    expect(json(r3)).toMatchObject({ max_amount_msat: 'none', max_fee_msat: 2000, max_fee_ppm: 0, daily_limit_msat: 1000000000, seq: ++seq });
    expect(json(await run('getpolicy'))).toMatchObject({ max_fee_ppm: 0, seq });
  });

  it('nothing to change: no write, no notification', async () => {
    const r = await run('setpolicy', 'max_fee_msat=2sat', 'confirm_above_msat=none');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(json(r)).toMatchObject({ max_fee_msat: 2000, seq });
    const empty = await run('setpolicy');
    expect(json(empty)).toMatchObject({ seq });
  });

  it('-N none: no notifications are asked for or printed', async () => {
    const r = await run('-N', 'none', 'setpolicy', 'max_fee_msat=3000');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(json(r)).toMatchObject({ max_fee_msat: 3000, seq: ++seq });
    const bad = await run('-N', 'loud', 'getpolicy');
    expect([bad.code, bad.stderr]).toEqual([3, expect.stringContaining("-N: Invalid level 'loud'")]);
  });

  it('bad parameters: -32602 in Core Lightning\'s words, nothing changes', async () => {
    const cases: Array<[string[], string]> = [
      [['setpolicy', 'max_fee_ppm=1000001'], "max_fee_ppm: should be parts per million (0 to 1000000) or 'none': invalid token (see logs for details)"],
      [['setpolicy', 'max_fee_ppm=1.5'], "max_fee_ppm: should be parts per million (0 to 1000000) or 'none': invalid token (see logs for details)"],
      [['setpolicy', 'lots'], "max_amount_msat: should be a millisatoshi amount or 'none': invalid token (see logs for details)"],
      [['setpolicy', 'daily_limit_msat=NONE'], "daily_limit_msat: should be a millisatoshi amount or 'none': invalid token (see logs for details)"],
      // All ones is the device's encoding of "no limit": not an amount here.
      [['setpolicy', 'max_fee_msat=18446744073709551615'], "max_fee_msat: should be a millisatoshi amount or 'none': invalid token (see logs for details)"],
      [['setpolicy', 'max_fee_msat=[1]'], "max_fee_msat: should be a millisatoshi amount or 'none': invalid token (see logs for details)"],
      [['setpolicy', '1', '2', '3', '4', '5', '6', '7', '8'], 'too many parameters: got 8, expected 7'],
      [['setpolicy', 'payee_daily_msat=lots'], "payee_daily_msat: should be a millisatoshi amount or 'none': invalid token (see logs for details)"],
      [['setpolicy', 'max_amount=1'], 'unknown parameter: max_amount, this may be caused by a failure to autodetect key=value-style parameters. Please try using the -k flag and explicit key=value pairs of parameters.'],
      [['getpolicy', '1'], 'too many parameters: got 1, expected 0'],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect([r.code, json(r)]).toEqual([1, { code: -32602, message }]);
    }
    expect(json(await run('getpolicy'))).toMatchObject({ max_amount_msat: 'none', max_fee_msat: 3000, seq });
  });

  it('the confirmation threshold is stored on the device and shown by getpolicy', async () => {
    const r = await run('setpolicy', 'confirm_above_msat=10000');
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ confirm_above_msat: 10000, max_fee_msat: 3000 });
    expect(json(await run('getpolicy'))).toMatchObject({ confirm_above_msat: 10000, max_fee_msat: 3000 });
    expect(json(await run('setpolicy', 'confirm_above_msat=none'))).toMatchObject({ confirm_above_msat: 'none' });
  });

  it('the daemon log records each change', () => {
    const log = readFileSync(join(data, 'lnsigner.log'), 'utf8');
    expect(log).toMatch(/INFO setpolicy id="cli:setpolicy#\d+": set the spending policy \(max_amount_msat none -> 1000000, max_fee_ppm none -> 5000\)/);
  });
});
