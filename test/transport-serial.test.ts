// The host transport against the emulated device over a real PTY with the
// real serialport binding: round trips, resynchronisation after every kind of
// bad frame (each followed by a successful request), faults on the line, a
// device reset mid-request, and missing, busy and vanished devices.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, renameSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as P from '../shared/protocol.js';
import { RESET_PIN } from '../shared/board.js';
import { spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import { DeviceClient } from '../host/device-client/client.js';
import { encodeFrame } from '../host/transport/codec.js';
import {
  DeviceBusyError, DeviceError, DeviceGoneError, DeviceNotFoundError, FrameRejectedError, TransportError,
} from '../host/transport/errors.js';
import type { ErrorReply } from '../host/transport/messages.js';

type DevErr = ErrorReply & { id: number };

/** Deterministic bytes (xorshift32), so a failure reproduces. */
function noise(n: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 1;
  return Uint8Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
}

const tmp = () => mkdtempSync(join(tmpdir(), 'lnsigner-tr-'));

/** Points `link` nowhere (atomically). An open port is unaffected; a reopen
 *  through the link cannot reach a PTY number reused by another test. */
function unlinkDevice(link: string): void {
  symlinkSync('/nonexistent/lnsigner-tty', `${link}.tmp`);
  renameSync(`${link}.tmp`, link);
}

describe('transport over the PTY', () => {
  let dir: string;
  let emu: SpawnedEmulator;
  let dev: DeviceClient;
  let devErrors: DevErr[];

  beforeAll(async () => {
    dir = tmp();
    emu = await spawnEmulator(['--state', dir, '--control', join(dir, 'ctl.sock')]);
    // Short timeout: the drop tests wait for it once.
    dev = await DeviceClient.open(emu.path, { timeoutMs: 400, retries: 3 });
    dev.transport.on('device-error', (e: DevErr) => devErrors.push(e));
  });
  afterAll(async () => {
    await dev?.close();
    await emu?.stop();
  });
  afterEach(async () => {
    await emu.control({ op: 'clear' });
  });
  const fresh = () => {
    devErrors = [];
    return { ...dev.transport.stats };
  };

  it('round-trips ping of every size class and get_info', async () => {
    fresh();
    for (const n of [0, 1, 253, 254, 255, 4096, P.FRAME_MAX_PAYLOAD]) {
      const data = noise(n, n + 1);
      expect(await dev.ping(data)).toEqual(data);
    }
    const info = await dev.getInfo();
    expect(info).toMatchObject({ protocolVersion: P.PROTO_VERSION, provisioned: false, maxPayload: P.FRAME_MAX_PAYLOAD });
    expect(devErrors).toEqual([]);
  });

  it('serialises concurrent requests, each getting its own reply', async () => {
    const datas = Array.from({ length: 20 }, (_, i) => noise(i * 37, i + 100));
    const replies = await Promise.all(datas.map((d) => dev.ping(d)));
    expect(replies).toEqual(datas);
  });

  it('after 1 KiB of random bytes: error replies account for every discarded byte, then a request succeeds', async () => {
    fresh();
    const junk = noise(1024, 0xc0ffee);
    await dev.transport.writeRaw(junk);
    expect(await dev.ping(Uint8Array.of(42))).toEqual(Uint8Array.of(42));
    const framing = devErrors.filter((e) => e.code <= P.ERR_FRAME_LAST || e.code === P.ERR_UNKNOWN_TYPE);
    expect(framing.length).toBeGreaterThan(0);
    expect(framing.reduce((s, e) => s + e.discarded, 0)).toBe(junk.filter((b) => b !== 0).length);
  });

  it('after a truncated frame (a new frame before the last ended): ERR_FRAME_TRUNCATED, then a request succeeds', async () => {
    fresh();
    const f = encodeFrame(P.MSG_PING, 0xbeef, noise(200, 7));
    const cut = f.subarray(0, 120); // leading delimiter + 119 bytes
    await dev.transport.writeRaw(cut);
    expect(await dev.getInfo()).toMatchObject({ protocolVersion: P.PROTO_VERSION });
    expect(devErrors.map((e) => [e.code, e.discarded, e.id])).toEqual([[P.ERR_FRAME_TRUNCATED, 119, 0xbeef]]);
  });

  it('after a corrupted frame: ERR_FRAME_CRC with the bytes discarded, then a request succeeds', async () => {
    fresh();
    const f = encodeFrame(P.MSG_PING, 0xbeef, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    f[12] ^= 0x40; // a payload byte
    await dev.transport.writeRaw(f);
    expect(await dev.ping(Uint8Array.of(9))).toEqual(Uint8Array.of(9));
    expect(devErrors.map((e) => [e.code, e.discarded])).toEqual([[P.ERR_FRAME_CRC, f.length - 2]]);
  });

  it('after an oversize run: ERR_FRAME_OVERSIZE with its length, then a request succeeds', async () => {
    fresh();
    await dev.transport.writeRaw(new Uint8Array(P.FRAME_MAX_WIRE + 100).fill(0x5a));
    expect(await dev.ping()).toEqual(new Uint8Array(0));
    expect(devErrors.map((e) => [e.code, e.discarded])).toEqual([[P.ERR_FRAME_OVERSIZE, P.FRAME_MAX_WIRE + 100]]);
  });

  it('after an intact frame of unknown type: ERR_UNKNOWN_TYPE, then a request succeeds', async () => {
    fresh();
    const f = encodeFrame(0x6e, 0x1234, Uint8Array.of(1));
    await dev.transport.writeRaw(f);
    expect(await dev.ping(Uint8Array.of(1))).toEqual(Uint8Array.of(1));
    expect(devErrors.map((e) => [e.code, e.refType, e.id, e.discarded])).toEqual([[P.ERR_UNKNOWN_TYPE, 0x6e, 0x1234, f.length - 2]]);
    await expect(dev.transport.request(0x6e)).rejects.toThrow(/not a request/);
  });

  it('resynchronises on line noise from the device side', async () => {
    fresh();
    const discards: number[] = [];
    const onDiscard = (d: { discarded: number }) => discards.push(d.discarded);
    dev.transport.on('discard', onDiscard);
    await emu.control({ op: 'inject', hex: Buffer.from(noise(300, 3)).toString('hex') });
    expect(await dev.ping(Uint8Array.of(5))).toEqual(Uint8Array.of(5));
    dev.transport.off('discard', onDiscard);
    expect(discards.reduce((a, b) => a + b, 0)).toBe(noise(300, 3).filter((b) => b !== 0).length);
  });

  it('resends an idempotent request whose frame the line corrupted (device rejects it, not executed)', async () => {
    const s = fresh();
    await emu.control({ op: 'corrupt', dir: 'rx', skip: 12, xor: 0x10 });
    const data = noise(64, 11).map((b) => b | 1);
    expect(await dev.ping(data)).toEqual(data);
    expect(dev.transport.stats.retries - s.retries).toBe(1);
  });

  it('resends an idempotent request whose reply the line corrupted', async () => {
    const s = fresh();
    await emu.control({ op: 'corrupt', dir: 'tx', skip: 12, xor: 0x10 });
    const data = noise(64, 12).map((b) => b | 1);
    expect(await dev.ping(data)).toEqual(data);
    expect(dev.transport.stats.retries - s.retries).toBe(1);
    expect(dev.transport.stats.discards - s.discards).toBe(1);
  });

  it('resends an idempotent request whose reply was lost, after its timeout', async () => {
    const s = fresh();
    // The whole reply of an empty ping: delimiter, COBS(9-byte body) = 10, delimiter.
    const replyLen = encodeFrame(P.MSG_PING | P.MSG_REPLY, 1).length;
    expect(replyLen).toBe(12);
    await emu.control({ op: 'drop', dir: 'tx', count: replyLen });
    expect(await dev.ping()).toEqual(new Uint8Array(0));
    expect(dev.transport.stats.retries - s.retries).toBe(1);
    expect(dev.transport.stats.discards - s.discards).toBe(0); // nothing arrived: it was the timeout
  });

  it('does not resend a request that is not idempotent: a damaged provision frame fails with FrameRejectedError', async () => {
    const s = fresh();
    await emu.control({ op: 'corrupt', dir: 'rx', skip: 9, xor: 0x10 });
    const err = await dev.transport.request(P.MSG_PROVISION, Uint8Array.of(P.PROVISION_GENERATE, P.NET_REGTEST)).catch((e) => e);
    expect(err).toBeInstanceOf(FrameRejectedError);
    expect(err.message).toMatch(/did not run/);
    expect(dev.transport.stats.retries).toBe(s.retries);
  });

  it('reports a refusal as DeviceError with its status, without retrying', async () => {
    const s = fresh();
    const err = await dev.transport.request(P.MSG_SIGN_BOLT12, Uint8Array.of(1, 2, 3)).catch((e) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect(err.status).toBe(P.ERR_NOT_PROVISIONED);
    expect(err.message).toMatch(/MSG_SIGN_BOLT12: ERR_NOT_PROVISIONED/);
    expect(dev.transport.stats.retries).toBe(s.retries);
  });

  it('survives a device reset in the middle of a request frame: the request is resent and succeeds', async () => {
    const s = fresh();
    const before = await dev.getInfo();
    const boots: { reason: number }[] = [];
    const onBoot = (b: { reason: number }) => boots.push(b);
    dev.transport.on('boot', onBoot);
    await emu.control({ op: 'reset', afterRx: 30 });
    const data = noise(500, 21);
    expect(await dev.ping(data)).toEqual(data);
    dev.transport.off('boot', onBoot);
    expect(boots).toEqual([expect.objectContaining({ reason: RESET_PIN })]);
    expect(dev.transport.stats.resets - s.resets).toBe(1);
    const after = await dev.getInfo();
    expect(after.bootCount).toBe(before.bootCount + 1);
    expect(after.session).not.toBe(before.session);
  });
});

describe('transport device errors', () => {
  it('says clearly when no device is there', async () => {
    const err = await DeviceClient.open('/dev/pts/65000').catch((e) => e);
    expect(err).toBeInstanceOf(DeviceNotFoundError);
    expect(err.message).toMatch(/no serial device at \/dev\/pts\/65000/);
  });

  it('says clearly when the device is busy (another program holds its lock)', async () => {
    const emu = await spawnEmulator(['--state', tmp()]);
    const a = await DeviceClient.open(emu.path);
    try {
      const err = await DeviceClient.open(emu.path).catch((e) => e);
      expect(err).toBeInstanceOf(DeviceBusyError);
      expect(err.message).toMatch(/in use by another program/);
      await a.ping();
    } finally {
      await a.close();
      await emu.stop();
    }
  });

  it('fails a request when the device vanishes, then reconnects when it comes back', async () => {
    const dir = tmp();
    const link = join(dir, 'ttyLN');
    const args = ['--state', dir, '--link', link, '--control', join(dir, 'ctl.sock')];
    let emu = await spawnEmulator(args);
    const dev = await DeviceClient.open(link, { timeoutMs: 5000, reconnectMs: 300 });
    try {
      const first = await dev.getInfo();
      // The reply never comes; the device dies while we wait.
      await emu.control({ op: 'drop', dir: 'tx', count: 1_000_000 });
      const pending = dev.ping(Uint8Array.of(1)).catch((e) => e);
      unlinkDevice(link);
      await emu.kill();
      const err = await pending;
      expect(err).toBeInstanceOf(DeviceGoneError);
      expect(err.message).toMatch(/went away/);
      // Restarted with the same flash and link: the next request reconnects by itself.
      emu = await spawnEmulator(args);
      const info = await dev.getInfo();
      expect(info.bootCount).toBe(first.bootCount + 1);
      expect(dev.transport.stats.reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await dev.close();
      await emu.stop();
    }
  });

  it('fails with DeviceGoneError when a vanished device does not come back', async () => {
    const dir = tmp();
    const link = join(dir, 'ttyLN');
    const emu = await spawnEmulator(['--state', dir, '--link', link]);
    const dev = await DeviceClient.open(link, { reconnectMs: 200 });
    try {
      await dev.ping();
      unlinkDevice(link);
      await emu.kill();
      const err = await dev.ping().catch((e) => e);
      expect(err).toBeInstanceOf(DeviceGoneError);
      expect(err).toBeInstanceOf(TransportError);
    } finally {
      await dev.close();
    }
  });
});
