// A swap of devices at the same path (issue 9, "Device identity"; tests item
// "a swap of devices at the same path"), end to end: real emulator processes
// on a PTY behind one --link inside the test's data directory, the real
// daemon and CLI. The daemon records the device's identity (node id + device
// id) on first use, refuses another device at the link loudly (the error and
// the log name both ids; nothing is signed or stored through it), keeps
// polling, and recovers when the right device returns — at run time and at
// start-up. A fresh data directory accepts any device.
import { readFileSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PROV_OFF_DEVICE_ID } from '../shared/board.js';
import { DEVICE_ID_SIZE } from '../shared/protocol.js';
import { spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import type { AnnouncedProcess } from '../host/process/announced.js';
import { cli, json, keyVectors, L2_HSM_SECRET_HEX, L2_NODE_ID, removeTempDirs, startDaemon, tempDir } from './helpers/e2e.js';

/** A second node (a legacy 32-byte hsm_secret of the CLN key vectors). */
const OTHER = keyVectors.key_cases.find((c: { hsm_secret_file_hex?: string; node_id: string }) =>
  c.hsm_secret_file_hex?.length === 64 && c.node_id !== L2_NODE_ID);
const OTHER_NODE_ID: string = OTHER.node_id;

const emus: SpawnedEmulator[] = [];
const daemons: AnnouncedProcess<unknown>[] = [];
afterEach(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.stop()));
  await Promise.all(emus.splice(0).map((e) => e.stop()));
});
afterAll(removeTempDirs);

async function device(state: string, link: string, secretHex: string): Promise<SpawnedEmulator> {
  const e = await spawnEmulator(['--state', state, '--link', link, '--network', 'regtest', '--hsm-secret', secretHex]);
  emus.push(e);
  return e;
}
/** The device id an emulator's flash holds (read from its state, without opening the port). */
const deviceIdOf = (state: string) =>
  readFileSync(join(state, 'secret.bin')).subarray(PROV_OFF_DEVICE_ID, PROV_OFF_DEVICE_ID + DEVICE_ID_SIZE).toString('hex');

/** SIGKILL, the link pointed nowhere first: a dangling link could reach a PTY
 *  number another program's emulator gets next (which the daemon would
 *  refuse, but a test should not talk to other programs' devices at all). */
async function killDevice(e: SpawnedEmulator, link: string): Promise<void> {
  symlinkSync('/nonexistent/lnsigner-tty', `${link}.tmp`);
  renameSync(`${link}.tmp`, link);
  await e.kill();
  emus.splice(emus.indexOf(e), 1);
}
async function stopDevice(e: SpawnedEmulator): Promise<void> {
  await e.stop();
  emus.splice(emus.indexOf(e), 1);
}
async function daemon(data: string, link: string) {
  const d = await startDaemon(data, link);
  daemons.push(d);
  return d;
}
const logOf = (data: string) => readFileSync(join(data, 'lnsigner.log'), 'utf8');

describe('e2e: a swap of devices at the same path', () => {
  it('refuses another device (same secret, or another secret) naming both ids, stores nothing, logs it, and recovers when the right one returns', async () => {
    const dir = tempDir('lns-swap-');
    const data = join(dir, 'data');
    const link = join(dir, 'data-device'); // the test's own directory, never a bare /dev/pts/N
    const [stateA, stateB, stateC] = ['a', 'b', 'c'].map((s) => join(dir, s));
    const run = (...a: string[]) => cli(['--data-dir', data, ...a]);

    let a = await device(stateA, link, L2_HSM_SECRET_HEX);
    const idA = deviceIdOf(stateA);
    await daemon(data, link);
    expect(logOf(data)).toContain(`device identity recorded on first use: node ${L2_NODE_ID}, device ${idA}`);
    expect(logOf(data)).toMatch(new RegExp(`device connected: ${link} -> ${a.path}`));
    const ok1 = json(await run('invoicerequest', '1000sat', 'before the swap'));
    expect(ok1.bolt12).toMatch(/^lnr1/);

    // A dies; B — the same secret, so the same node id, but another device — appears at the link.
    await killDevice(a, link);
    await expect.poll(() => logOf(data), { timeout: 5000 }).toMatch(/WARN device disconnected: /);
    await device(stateB, link, L2_HSM_SECRET_HEX);
    const idB = deviceIdOf(stateB);
    expect(idB).not.toBe(idA);
    const r1 = await run('invoicerequest', '2000sat', 'through the wrong device');
    expect(r1.code).toBe(1);
    const e1 = json(r1);
    expect(e1.code).toBe(-1);
    expect(e1.message).toContain(`wrong device at ${link}`);
    expect(e1.message).toContain(`belongs to node ${L2_NODE_ID}, device ${idA}`);
    expect(e1.message).toContain(`found node ${L2_NODE_ID}, device ${idB}`);
    expect(logOf(data)).toMatch(new RegExp(`ERROR wrong device at ${link}: .*device ${idA}.*found node ${L2_NODE_ID}, device ${idB}`));
    // Nothing stored through it.
    expect(json(await run('listinvoicerequests')).invoicerequests.map((x: { bolt12: string }) => x.bolt12)).toEqual([ok1.bolt12]);

    // C: another secret altogether (another node id) at the link.
    await stopDevice(emus[0]);
    await device(stateC, link, OTHER.hsm_secret_file_hex);
    const idC = deviceIdOf(stateC);
    const r2 = json(await run('invoicerequest', '3000sat', 'through another node'));
    expect(r2.code).toBe(-1);
    expect(r2.message).toContain(`belongs to node ${L2_NODE_ID}, device ${idA}; found node ${OTHER_NODE_ID}, device ${idC}`);
    expect(json(await run('listinvoicerequests')).invoicerequests).toHaveLength(1);

    // A returns at the link: the daemon, polling, takes it back and signs with it.
    await stopDevice(emus[0]);
    a = await device(stateA, link, L2_HSM_SECRET_HEX);
    await expect.poll(() => logOf(data), { timeout: 10_000 }).toMatch(new RegExp(`device reconnected: ${link} -> ${a.path} \\(identity checked\\)`));
    const ok2 = json(await run('invoicerequest', '4000sat', 'after the right device returned'));
    expect(ok2.bolt12).toMatch(/^lnr1/);
    expect(json(await run('listinvoicerequests')).invoicerequests).toHaveLength(2);
    const info = json(await run('getinfo'));
    expect(info.id).toBe(L2_NODE_ID);
    expect(info.warning_no_device).toBeUndefined();
  }, 90_000);

  it('at start-up: a wrong device is refused but the daemon runs and waits; the right one is taken when it comes', async () => {
    const dir = tempDir('lns-swap-');
    const data = join(dir, 'data');
    const link = join(dir, 'data-device');
    const [stateA, stateB] = ['a', 'b'].map((s) => join(dir, s));
    const run = (...a: string[]) => cli(['--data-dir', data, ...a]);

    const a = await device(stateA, link, L2_HSM_SECRET_HEX);
    const idA = deviceIdOf(stateA);
    let d = await daemon(data, link);
    await d.stop();
    daemons.splice(0);
    await stopDevice(a);

    const b = await device(stateB, link, OTHER.hsm_secret_file_hex);
    const idB = deviceIdOf(stateB);
    d = await daemon(data, link);
    const info = json(await run('getinfo'));
    expect(info.id).toBeUndefined();
    expect(info.warning_no_device).toContain(`belongs to node ${L2_NODE_ID}, device ${idA}; found node ${OTHER_NODE_ID}, device ${idB}`);
    const r = json(await run('invoicerequest', '1sat', 'x'));
    expect(r.code).toBe(-1);
    expect(r.message).toContain(`found node ${OTHER_NODE_ID}, device ${idB}`);
    expect(json(await run('listinvoicerequests')).invoicerequests).toEqual([]);
    expect(logOf(data)).toContain(`ERROR wrong device at ${link}`);

    await stopDevice(b);
    const a2 = await device(stateA, link, L2_HSM_SECRET_HEX);
    await expect.poll(async () => json(await run('getinfo')).id, { timeout: 10_000, interval: 300 }).toBe(L2_NODE_ID);
    expect(logOf(data)).toMatch(new RegExp(`device connected: ${link} -> ${a2.path}`));
    expect(json(await run('invoicerequest', '1sat', 'now')).bolt12).toMatch(/^lnr1/);
  }, 90_000);

  it('a start-up failure goes to the log (no device at the link)', async () => {
    const dir = tempDir('lns-swap-');
    const data = join(dir, 'data');
    const link = join(dir, 'data-device');
    symlinkSync('/nonexistent/lnsigner-tty', link);
    await expect(startDaemon(data, link)).rejects.toThrow(/exited \(code 1\).*no serial device at/s);
    expect(logOf(data)).toMatch(new RegExp(`ERROR start-up failed: no serial device at ${link}`));
  }, 30_000);

  it('a fresh data directory accepts any device and records it on first use', async () => {
    const dir = tempDir('lns-swap-');
    const link = join(dir, 'data-device');
    const state = join(dir, 'c');
    await device(state, link, OTHER.hsm_secret_file_hex);
    const data = join(dir, 'fresh');
    await daemon(data, link);
    expect(json(await cli(['--data-dir', data, 'getinfo'])).id).toBe(OTHER_NODE_ID);
    expect(logOf(data)).toContain(`device identity recorded on first use: node ${OTHER_NODE_ID}, device ${deviceIdOf(state)}`);
  }, 60_000);
});
