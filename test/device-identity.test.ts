// Device identity and the host's hold on its port (issue 9, "Device
// identity"), over the PTY with real emulator processes:
// - the device id: zeros while unprovisioned, 16 random bytes drawn at
//   provisioning, in the provisioning record under its CRC, kept across
//   restarts, new after wipe + provision (docs/protocol.md "get_info reply");
// - the transport: its verify hook runs on every (re)open before queued
//   requests and can refuse a device; the path is resolved afresh at each
//   reopen; requests queued during an outage share one reconnect wait; an
//   "in use" error names the process holding the port;
// - the emulator removes its --link on every exit but SIGKILL, and never a
//   link another emulator has taken over.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as P from '../shared/protocol.js';
import { PROV_OFF_CRC, PROV_OFF_DEVICE_ID } from '../shared/board.js';
import { DeviceClient } from '../host/device-client/client.js';
import { decodeInfo } from '../host/device-client/info.js';
import { spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { DeviceBusyError, DeviceGoneError } from '../host/transport/errors.js';
import type { VerifyLink } from '../host/transport/serial.js';
import { L2_HSM_SECRET_HEX, L2_NODE_ID } from './helpers/e2e.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lnsigner-id-'));
const ZERO_ID = '00'.repeat(P.DEVICE_ID_SIZE);

const emus: SpawnedEmulator[] = [];
const clients: DeviceClient[] = [];
const children: ChildProcess[] = [];
async function emulator(args: string[]): Promise<SpawnedEmulator> {
  const e = await spawnEmulator(args);
  emus.push(e);
  return e;
}
async function open(path: string, o: Parameters<typeof DeviceClient.open>[1] = {}): Promise<DeviceClient> {
  const c = await DeviceClient.open(path, { timeoutMs: 5000, ...o });
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(emus.splice(0).map((e) => e.stop()));
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('device id (get_info, provisioning record)', () => {
  it('is zero while unprovisioned, drawn at provisioning, kept across restarts and under the record CRC; a wipe + provision draws a new one', async () => {
    const state = tmp();
    let e = await emulator(['--state', state, '--confirm', 'approve']);
    let c = await open(e.path);
    let info = await c.getInfo();
    expect(info.provisioned).toBe(false);
    expect(info.deviceId).toBe(ZERO_ID);

    const { nodeId } = await c.provision({ generate: true, network: 'regtest' });
    info = await c.getInfo();
    expect(info.nodeId).toBe(Buffer.from(nodeId).toString('hex'));
    expect(info.deviceId).toMatch(/^[0-9a-f]{32}$/);
    expect(info.deviceId).not.toBe(ZERO_ID);
    const first = info.deviceId;
    // The raw reply carries it at INFO_OFF_DEVICE_ID, INFO_SIZE = 101.
    const raw = await c.transport.request(P.MSG_GET_INFO);
    expect(raw.length).toBe(P.INFO_SIZE);
    expect(P.INFO_SIZE).toBe(101);
    expect(Buffer.from(raw.subarray(P.INFO_OFF_DEVICE_ID, P.INFO_OFF_DEVICE_ID + P.DEVICE_ID_SIZE)).toString('hex')).toBe(first);
    expect(decodeInfo(raw).deviceId).toBe(first);

    // In the record (secret.bin) at PROV_OFF_DEVICE_ID, kept across a restart.
    const secretBin = join(state, 'secret.bin');
    const rec = readFileSync(secretBin);
    expect(rec.subarray(PROV_OFF_DEVICE_ID, PROV_OFF_DEVICE_ID + P.DEVICE_ID_SIZE).toString('hex')).toBe(first);
    await c.close();
    await e.stop();
    e = await emulator(['--state', state, '--confirm', 'approve']);
    c = await open(e.path);
    expect((await c.getInfo()).deviceId).toBe(first);

    // A wipe + provision is a new device to the host.
    await c.wipe(nodeId);
    expect((await c.getInfo()).deviceId).toBe(ZERO_ID);
    await c.provision({ generate: true, network: 'regtest' });
    const second = (await c.getInfo()).deviceId;
    expect(second).not.toBe(ZERO_ID);
    expect(second).not.toBe(first);

    // The CRC covers it: one flipped bit of the device id and the record no longer counts.
    await c.close();
    await e.stop();
    const bytes = readFileSync(secretBin);
    expect(bytes.readUInt32LE(PROV_OFF_CRC)).not.toBe(0xffffffff);
    bytes[PROV_OFF_DEVICE_ID] ^= 0x01;
    writeFileSync(secretBin, bytes);
    e = await emulator(['--state', state, '--confirm', 'approve']);
    c = await open(e.path);
    info = await c.getInfo();
    expect(info.provisioned).toBe(false);
    expect(info.deviceId).toBe(ZERO_ID);
  });

  it('differs between two devices provisioned with the same secret (same node id)', async () => {
    const a = await emulator(['--state', tmp(), '--hsm-secret', L2_HSM_SECRET_HEX, '--network', 'regtest']);
    const b = await emulator(['--state', tmp(), '--hsm-secret', L2_HSM_SECRET_HEX, '--network', 'regtest']);
    const [ia, ib] = [await (await open(a.path)).getInfo(), await (await open(b.path)).getInfo()];
    expect(ia.nodeId).toBe(L2_NODE_ID);
    expect(ib.nodeId).toBe(L2_NODE_ID);
    expect(ia.deviceId).not.toBe(ZERO_ID);
    expect(ib.deviceId).not.toBe(ZERO_ID);
    expect(ia.deviceId).not.toBe(ib.deviceId);
  });
});

describe('transport: verify hook, fresh path resolution, shared reconnect wait', () => {
  it('runs verify on the first open and on every reopen, before queued requests; a refused device fails them with its error', async () => {
    const dir = tmp();
    const link = join(dir, 'device');
    const argsA = ['--state', join(dir, 'a'), '--link', link, '--hsm-secret', L2_HSM_SECRET_HEX];
    const seen: Array<{ device: string; reconnect: boolean; deviceId: string }> = [];
    let refuse: string | undefined;
    const verify = async (l: VerifyLink) => {
      const i = decodeInfo(await l.request(P.MSG_GET_INFO));
      seen.push({ device: l.device, reconnect: l.reconnect, deviceId: i.deviceId });
      if (i.deviceId === refuse) throw new Error(`refused ${i.deviceId}`);
    };
    const a = await emulator(argsA);
    const c = await open(link, { verify, reconnectMs: 1500 });
    expect(seen).toEqual([{ device: a.path, reconnect: false, deviceId: expect.stringMatching(/^[0-9a-f]{32}$/) }]);
    const idA = seen[0].deviceId;
    expect(c.transport.device).toBe(a.path);

    // B takes the link while A still runs (so its PTY number differs): the
    // transport notices the link points elsewhere, and the next request opens
    // B, resolved afresh, and verifies it first.
    const b = await emulator(['--state', join(dir, 'b'), '--link', link, '--hsm-secret', L2_HSM_SECRET_HEX]);
    expect(b.path).not.toBe(a.path);
    await expect.poll(() => c.transport.isOpen, { timeout: 3000 }).toBe(false);
    await c.ping();
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ device: b.path, reconnect: true });
    expect(seen[1].deviceId).not.toBe(idA);
    expect(c.transport.device).toBe(b.path);

    // Now refuse B: B restarts (same flash, same device id); the reopen keeps
    // trying for reconnectMs and fails with the hook's error, port closed.
    refuse = seen[1].deviceId;
    await b.stop();
    await expect.poll(() => c.transport.isOpen, { timeout: 3000 }).toBe(false);
    const b3 = await emulator(['--state', join(dir, 'b'), '--link', link]);
    const t0 = Date.now();
    const err = await c.ping().catch((e) => e);
    expect(err.message).toBe(`refused ${refuse}`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(c.transport.isOpen).toBe(false);
    expect(seen.filter((s) => s.deviceId === refuse).length).toBeGreaterThanOrEqual(2); // polled, not tried once
    await b3.stop();
    // A returns: accepted.
    await a.stop();
    const a2 = await emulator(argsA);
    await c.ping();
    expect(seen.at(-1)).toMatchObject({ device: a2.path, reconnect: true, deviceId: idA });
  }, 30_000);

  it('requests queued during an outage share one reconnect wait (not k waits for the k-th)', async () => {
    const dir = tmp();
    const link = join(dir, 'device');
    const e = await emulator(['--state', dir, '--link', link]);
    const c = await open(link, { reconnectMs: 1200 });
    await c.ping();
    // Point the link nowhere first: after a SIGKILL it would dangle towards a
    // PTY number that another program's emulator may get next.
    symlinkSync('/nonexistent/lnsigner-tty', `${link}.tmp`);
    renameSync(`${link}.tmp`, link);
    await e.kill();
    await expect.poll(() => c.transport.isOpen, { timeout: 3000 }).toBe(false);
    const t0 = Date.now();
    const done: number[] = [];
    const results = await Promise.all([0, 1, 2, 3].map((i) =>
      c.ping(Uint8Array.of(i)).then(() => 'ok', (err) => err).finally(() => done.push(Date.now() - t0))));
    for (const r of results) expect(r).toBeInstanceOf(DeviceGoneError);
    // One wait of 1.2 s for all four: before the change the fourth took 4 × 1.2 s.
    expect(Math.max(...done)).toBeLessThan(2200);
    expect(Math.min(...done)).toBeGreaterThanOrEqual(1100);
    // A request made after that wait failed gets a wait of its own.
    const t1 = Date.now();
    expect(await c.ping().catch((err) => err)).toBeInstanceOf(DeviceGoneError);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(1100);
  }, 20_000);

  it('an "in use" error names the process that holds the port', async () => {
    const dir = tmp();
    const link = join(dir, 'device');
    await emulator(['--state', dir, '--link', link]);
    const client = join(PROJECT_ROOT, 'build/js/host/device-client/client.js');
    const holder = spawn(process.execPath, ['--input-type=module', '-e',
      `import { DeviceClient } from ${JSON.stringify(client)};
       const c = await DeviceClient.open(${JSON.stringify(link)});
       await c.ping();
       process.stdout.write('holding\\n');
       setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(holder);
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (d: Buffer) => d.toString().includes('holding') && resolve());
      holder.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
    });
    const err = await DeviceClient.open(link).catch((e) => e);
    expect(err).toBeInstanceOf(DeviceBusyError);
    expect(err.message).toContain(`is in use by another program (its lock is taken): held by pid ${holder.pid} (node)`);
    expect(err.message).toContain(realpathSync(link));
    expect(err.holders).toEqual([{ pid: holder.pid, command: 'node' }]);
  });
});

describe('emulator --link removal', () => {
  const waitExit = (e: SpawnedEmulator) => e.exited;

  it('is removed on SIGINT and SIGTERM, and left (dangling) only by SIGKILL', async () => {
    const dir = tmp();
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const link = join(dir, `tty-${sig}`);
      const e = await emulator(['--state', join(dir, sig), '--link', link]);
      expect(readlinkSync(link)).toBe(e.path);
      e.proc.kill(sig);
      expect(await waitExit(e)).toBe(0);
      expect(existsSync(link) || isLink(link)).toBe(false);
    }
    const link = join(dir, 'tty-kill');
    const e = await emulator(['--state', join(dir, 'kill'), '--link', link]);
    await e.kill();
    expect(isLink(link)).toBe(true);
  });

  it('is removed when the emulator ends on its own (its PTY died), and not when another emulator has taken it over', async () => {
    const dir = tmp();
    const link = join(dir, 'device');
    const a = await emulator(['--state', join(dir, 'a'), '--link', link]);
    // The relay is the emulator's child: killing it ends the emulator (exit 1).
    const relay = execFileSync('ps', ['-o', 'pid=', '--ppid', String(a.proc.pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    expect(relay.length).toBe(1);
    process.kill(relay[0], 'SIGKILL');
    expect(await waitExit(a)).toBe(1);
    expect(isLink(link)).toBe(false);

    const b = await emulator(['--state', join(dir, 'b'), '--link', link]);
    const c = await emulator(['--state', join(dir, 'c'), '--link', link]); // takes the link over
    expect(readlinkSync(link)).toBe(c.path);
    expect(await b.stop()).toBe(0);
    expect(readlinkSync(link)).toBe(c.path);
    expect(await c.stop()).toBe(0);
    expect(isLink(link)).toBe(false);
  });
});

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
