// Flashes cut off at deterministic points over a real PTY: the emulator
// SIGKILLed after N acknowledged chunks, reset mid-chunk by the control
// socket, killed after commit before the reboot, killed during the trial
// boot; and images that fail their first-boot self-test. Each time the device
// must come back on its old image (or, once a commit is done and the trial
// passed, on the new one) and accept a new flash afterwards.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import * as P from '../shared/protocol.js';
import { FlashError, flashImage } from '../host/flash/flasher.js';
import { toHex } from '../host/flash/image.js';
import { Rig, WASM, image, selftestFailingWasm, variant } from './helpers/flash.js';

const rigs: Rig[] = [];
async function rig(): Promise<Rig> {
  const r = new Rig();
  rigs.push(r);
  await r.start();
  return r;
}
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
});

const OLD = { firmwareVersion: '0.1.0', imageHash: createHash('sha256').update(WASM).digest('hex'), activeSlot: 'direct' };
const NEW = image(variant('new'), '0.1.1');
const NEW_INFO = { firmwareVersion: '0.1.1', imageHash: toHex(NEW.hash), activeSlot: 'A' };
const CHUNKS = Math.ceil(NEW.wasm.length / 4096);

async function info(r: Rig) {
  const i = await (await r.connect()).getInfo();
  return { firmwareVersion: i.firmwareVersion, imageHash: i.imageHash, activeSlot: i.activeSlot };
}

/** After a cut: the device runs `want`, and a complete flash still works. */
async function recovers(r: Rig, want: object) {
  expect(await info(r)).toEqual(want);
  const next = image(variant('after'), '0.4.0');
  const res = await flashImage(await r.connect(), next);
  expect(res.after!.imageHash).toBe(toHex(next.hash));
}

describe('a flash cut off', () => {
  for (const n of [0, 7, CHUNKS - 1]) {
    it(`by a power cut after ${n + 1} of ${CHUNKS} acknowledged chunks boots the old image`, async () => {
      const r = await rig();
      const c = await r.connect();
      const cut = flashImage(c, NEW, {
        afterChunk: async (i) => {
          if (i === n) await r.kill();
        },
      });
      await expect(cut).rejects.toThrow();
      await r.start();
      await recovers(r, OLD);
    });
  }

  it('by a reset in the middle of a chunk fails clearly and leaves the old image', async () => {
    const r = await rig();
    const c = await r.connect();
    // Let begin and about three chunks through, then reset inside the next one.
    await r.emu!.control({ op: 'reset', afterRx: 3 * 4200 + 2000 });
    const e = await flashImage(c, NEW).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(FlashError);
    expect((e as FlashError).status).toBe(P.ERR_FW_STATE); // the resent chunk finds no update in progress
    expect((e as Error).message).toMatch(/restarted/);
    await recovers(r, OLD);
  });

  it('after commit but before the reboot: the commit is complete, so the new image boots (on trial, and passes)', async () => {
    const r = await rig();
    await flashImage(await r.connect(), NEW, { noReboot: true });
    expect(await info(r)).toEqual(OLD); // still running the old one
    await r.kill();
    await r.start();
    expect(r.emu!.stderr()).toMatch(/slot A passed its trial boot; confirmed/);
    await recovers(r, NEW_INFO);
  });

  it('after commit, fw_abort withdraws it: the reboot comes back on the old image', async () => {
    const r = await rig();
    const c = await r.connect();
    await flashImage(c, NEW, { noReboot: true });
    await c.transport.request(P.MSG_FW_ABORT);
    await r.stop();
    await r.start();
    await recovers(r, OLD);
  });

  it('during the trial boot (power lost before the self-test result is recorded) reverts to the old image', async () => {
    const r = await rig();
    await flashImage(await r.connect(), NEW, { noReboot: true });
    await r.stop();
    // The emulator kills itself inside the trial boot: it never announces a port.
    await expect(r.start({ LNSIGNER_EMU_CRASH: 'trial-boot' })).rejects.toThrow(/exited|signal|before/i);
    await r.start();
    await recovers(r, OLD);
  });

  it('during the trial boot of an update from slot A reverts to slot A', async () => {
    const r = await rig();
    const c = await r.connect();
    await flashImage(c, NEW);
    await flashImage(c, image(variant('b'), '0.2.0'), { noReboot: true });
    await r.stop();
    await expect(r.start({ LNSIGNER_EMU_CRASH: 'trial-boot' })).rejects.toThrow();
    await r.start();
    await recovers(r, NEW_INFO);
  });
});

describe('a new image that fails at its first boot', () => {
  it('fails its self-test: the bootloader reverts to the old image and flash says so', async () => {
    const r = await rig();
    const c = await r.connect();
    const bad = image(await selftestFailingWasm(), '0.5.0');
    const e = await flashImage(c, bad).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(FlashError);
    expect((e as Error).message).toMatch(/failed its first-boot self-test and the bootloader reverted/);
    expect(r.emu!.stderr()).toMatch(/slot A failed its trial boot \(selftest\(\) = 7\); reverted/);
    await r.stop();
    await r.start();
    await recovers(r, OLD);
  });

  it('does not even instantiate (signed garbage): reverted, from slot B back to slot A', async () => {
    const r = await rig();
    const c = await r.connect();
    await flashImage(c, NEW);
    const garbage = image(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xff, 0xff]), '0.6.0', undefined, true);
    await expect(flashImage(c, garbage)).rejects.toThrow(/reverted/);
    expect(r.emu!.stderr()).toMatch(/slot B failed its trial boot \(does not start/);
    expect(await info(r)).toEqual(NEW_INFO);
    await r.stop();
    await r.start();
    await recovers(r, NEW_INFO);
  });
});
