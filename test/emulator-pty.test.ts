// `lnsigner emulator` as a user runs it: its one stdout line, a raw PTY before
// any host opens it, flash that survives restarts, signals, bad arguments.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as P from '../shared/protocol.js';
import { RESET_PIN } from '../shared/board.js';
import { FLASH_SLOT_SIZE } from '../shared/board.js';
import { LNSIGNER_BIN, spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import { DeviceClient } from '../host/device-client/client.js';
import type { BootEvent } from '../host/transport/messages.js';

const running: SpawnedEmulator[] = [];
const clients: DeviceClient[] = [];
async function start(args: string[]) {
  const e = await spawnEmulator(args);
  running.push(e);
  return e;
}
async function connect(path: string) {
  const c = await DeviceClient.open(path, { timeoutMs: 2000 });
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((e) => e.stop()));
});
const tmp = () => mkdtempSync(join(tmpdir(), 'lnsigner-emu-'));

describe('lnsigner emulator', () => {
  it('prints exactly one JSON line {"path"} naming a PTY, and logs only to stderr', async () => {
    const e = await start(['--state', tmp()]);
    expect(e.path).toMatch(/^\/dev\/pts\/\d+$/);
    expect(statSync(e.path).isCharacterDevice()).toBe(true);
    const c = await connect(e.path);
    await c.ping();
    expect(e.stdout()).toBe(`${JSON.stringify({ path: e.path })}\n`);
    expect(e.stderr()).toMatch(/lnsigner emulator: firmware [0-9a-f]+/);
  });

  it('has put the line discipline in raw mode before announcing the path', async () => {
    const e = await start(['--state', tmp()]);
    // Read before any host opened the port (serialport sets its own modes on open).
    const modes = execFileSync('stty', ['-a', '-F', e.path], { encoding: 'utf8' });
    for (const m of ['-icanon', '-echo', '-isig', '-iexten', '-opost', '-icrnl', '-ixon', '-inlcr', '-igncr', 'cs8']) {
      expect(modes.split(/\s+/)).toContain(m);
    }
  });

  it('passes every byte value unchanged both ways (no CR/LF rewriting, no control characters eaten)', async () => {
    const e = await start(['--state', tmp()]);
    const c = await connect(e.path);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const controls = Uint8Array.from([3, 4, 0x0d, 0x0a, 0x0d, 0x11, 0x13, 0x1a, 0x1c, 0x7f, 0x15, 0x17, 0x16, 0x12, 0x0f]);
    expect(await c.ping(all)).toEqual(all);
    expect(await c.ping(controls)).toEqual(controls);
  });

  it('keeps its flash in the state directory across restarts', async () => {
    const state = tmp();
    let e = await start(['--state', state]);
    let c = await connect(e.path);
    const first = await c.getInfo();
    expect(first.bootCount).toBe(1);
    await c.close();
    expect(await e.stop()).toBe(0);
    expect(readdirSync(state).sort()).toEqual(['boot.bin', 'counters.bin', 'paylog.bin', 'policy.bin', 'secret.bin', 'slot-a.bin', 'slot-b.bin']);
    expect(statSync(join(state, 'slot-a.bin')).size).toBe(FLASH_SLOT_SIZE);
    e = await start(['--state', state]);
    c = await connect(e.path);
    const second = await c.getInfo();
    expect(second.bootCount).toBe(2);
    expect(second.session).not.toBe(first.session);
    expect(second.imageHash).toBe(first.imageHash);
  });

  it('refuses a state directory another emulator is using', async () => {
    const state = tmp();
    await start(['--state', state]);
    await expect(spawnEmulator(['--state', state])).rejects.toThrow(/in use by another emulator/);
  });

  it('runs the image given with --image and reports its hash', async () => {
    const image = join(tmp(), 'fw.wasm');
    execFileSync('cp', [join(LNSIGNER_BIN, '..', '..', 'build', 'firmware.wasm'), image]);
    const e = await start(['--state', tmp(), '--image', image]);
    const c = await connect(e.path);
    const hash = execFileSync('sha256sum', [image], { encoding: 'utf8' }).split(' ')[0];
    expect((await c.getInfo()).imageHash).toBe(hash);
  });

  it('paces at --baud and still answers', async () => {
    const e = await start(['--state', tmp(), '--baud', '115200']);
    const c = await connect(e.path);
    const data = new Uint8Array(300).map((_, i) => i);
    expect(await c.ping(data)).toEqual(data);
    expect(e.stderr()).toMatch(/115200 baud/);
  });

  it('keeps a --link symlink to its PTY and removes it, and the control socket, on SIGTERM', async () => {
    const dir = tmp();
    const link = join(dir, 'ttyLN0');
    const control = join(dir, 'ctl.sock');
    const e = await start(['--state', dir, '--link', link, '--control', control]);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(realpathSync(link)).toBe(e.path);
    const c = await connect(link);
    await c.ping();
    await c.close();
    expect(await e.stop()).toBe(0);
    expect(existsSync(link)).toBe(false);
    expect(existsSync(control)).toBe(false);
    expect(existsSync(join(dir, 'emulator.pid'))).toBe(false);
  });

  it('exits 0 on SIGINT too, and the host sees the port vanish', async () => {
    const e = await start(['--state', tmp()]);
    const c = await connect(e.path);
    await c.ping();
    const gone = new Promise((r) => c.transport.once('disconnect', r));
    e.proc.kill('SIGINT');
    expect(await e.exited).toBe(0);
    await gone;
    expect(e.stderr()).toMatch(/SIGINT: stopping/);
  });

  it('resets the device on SIGHUP: the host sees a boot event from the reset pin', async () => {
    const e = await start(['--state', tmp()]);
    const c = await connect(e.path);
    await c.ping();
    const boot = new Promise<BootEvent>((r) => c.transport.once('boot', r));
    e.proc.kill('SIGHUP');
    expect(await boot).toMatchObject({ reason: RESET_PIN, bootCount: 2, protoVersion: P.PROTO_VERSION });
    expect((await c.getInfo()).bootCount).toBe(2);
  });

  it('exits 1 when its PTY relay dies under it, and the host sees the port vanish', async () => {
    const e = await start(['--state', tmp()]);
    const c = await connect(e.path);
    await c.ping();
    const gone = new Promise((r) => c.transport.once('disconnect', r));
    // (The native engine's chip process is a child too: LNSIGNER_EMU_ENGINE=native.)
    const relay = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(e.proc.pid)], { encoding: 'utf8' }).trim().split('\n')
      .filter((l) => !/lnsigner-native/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(relay.length).toBe(1);
    process.kill(relay[0], 'SIGKILL');
    await gone;
    expect(await e.exited).toBe(1);
    expect(e.stderr()).toMatch(/PTY relay exited/);
  });

  it('exits 3 (lightning-cli ERROR_USAGE) with a clear message on bad arguments', () => {
    const cases: [string[], RegExp][] = [
      [[], /--state <dir> is required/],
      [['--state', '/tmp/x', '--baud', 'fast'], /--baud must be a whole number/],
      [['--state', '/tmp/x', '--hsm-secret', 'abcd'], /--hsm-secret must be 64 hex digits/],
      [['--state', '/tmp/x', '--network', 'mainnet'], /--network must be one of/],
      [['--state', '/tmp/x', '--frobnicate'], /unknown option '--frobnicate'/],
      [['--state', '/tmp/x', '--confirm', 'yes'], /--confirm must be one of approve, deny, manual/],
      [['--state', '/tmp/x', '--confirm-timeout', '0'], /--confirm-timeout must be a number of seconds/],
      [['--state', '/tmp/x', '--confirm-timeout', 'soon'], /--confirm-timeout must be a number of seconds/],
    ];
    for (const [args, msg] of cases) {
      const r = spawnSync(process.execPath, [LNSIGNER_BIN, 'emulator', ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(3);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
  });

  it('exits 1 without touching a --link path that is not a symlink', () => {
    const dir = tmp();
    const file = join(dir, 'precious');
    writeFileSync(file, 'keep me');
    const r = spawnSync(process.execPath, [LNSIGNER_BIN, 'emulator', '--state', dir, '--link', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/exists and is not a symlink/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    expect(existsSync(join(dir, 'emulator.pid'))).toBe(false);
  });

  it('exits 1 with a clear message when the image cannot be read', () => {
    const r = spawnSync(process.execPath, [LNSIGNER_BIN, 'emulator', '--state', tmp(), '--image', '/nonexistent.wasm'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nonexistent\.wasm/);
    expect(r.stdout).toBe('');
  });
});
