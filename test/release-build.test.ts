// Release integrity (issue 9): the release public key is an input of the
// firmware build (flash-scripts/build-firmware.mjs). This file builds ONE extra
// firmware, a release build trusting a key generated here (its secret stays in
// memory), and checks both kinds of build against both kinds of image: a
// release build says so in get_info, refuses development images at fw_begin
// and at boot (a slot holding one is never run) and takes images signed by its
// key; a development build reports itself and takes development images; the
// build refuses the development key in release mode; `lnsigner flash` refuses
// to send a development image to a release build.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as P from '../shared/protocol.js';
import * as I from '../shared/firmware-image.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { PROJECT_ROOT } from '../host/paths.js';
import {
  DEV_RELEASE_KEY_PATH, generateReleaseKey, parseImage, parseVersion, releasePublicKey, signImage, toHex,
} from '../host/flash/image.js';
import { DEV_KEY, OTHER_KEY, Rig, WASM, cli, image, tmp } from './helpers/flash.js';
import { device, refusal, update } from './helpers/boot-chip.js';

const SCRIPT = join(PROJECT_ROOT, 'flash-scripts', 'build-firmware.mjs');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Runs the build step with only the given LNSIGNER_RELEASE* variables set. */
async function build(out: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LNSIGNER_RELEASE')));
  try {
    const r = await promisify(execFile)(process.execPath, [SCRIPT, '--out', out], { env: { ...clean, ...env }, encoding: 'utf8' });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const DEV_PUB = toHex(releasePublicKey(DEV_KEY));

describe('the build step', () => {
  it('refuses the development key for a release build, and a missing or malformed key', async () => {
    const out = tmp('lnsigner-relbuild-');
    const pubFile = join(out, 'dev.pub');
    writeFileSync(pubFile, `${DEV_PUB}\n`);
    const cases: [Record<string, string>, RegExp][] = [
      [{ LNSIGNER_RELEASE: '1' }, /LNSIGNER_RELEASE=1 but no LNSIGNER_RELEASE_PUBKEY/],
      [{ LNSIGNER_RELEASE_PUBKEY: DEV_PUB }, /refusing the development release key for a release build: its secret is public/],
      [{ LNSIGNER_RELEASE_PUBKEY_FILE: pubFile }, /refusing the development release key/],
      // The development *secret* key file given by mistake is refused too.
      [{ LNSIGNER_RELEASE_PUBKEY_FILE: DEV_RELEASE_KEY_PATH }, /refusing the development release key/],
      [{ LNSIGNER_RELEASE_PUBKEY: 'abcd' }, /must be 64 hex digits/],
      [{ LNSIGNER_RELEASE_PUBKEY_FILE: join(out, 'missing') }, /LNSIGNER_RELEASE_PUBKEY_FILE: .*no such file/i],
    ];
    for (const [env, msg] of cases) {
      const r = await build(out, env);
      expect([r.code, r.stderr], JSON.stringify(env)).toEqual([1, expect.stringMatching(msg)]);
    }
    expect(existsSync(join(out, 'firmware.wasm'))).toBe(false); // refused before compiling anything
    rmSync(out, { recursive: true, force: true });
  });
});

describe('release build versus development build', () => {
  // The release key of this test: the secret never leaves this process.
  const RELEASE_KEY = generateReleaseKey();
  const RELEASE_PUB = toHex(releasePublicKey(RELEASE_KEY));
  const out = tmp('lnsigner-relfw-');
  let REL: Uint8Array;
  const rigs: Rig[] = [];

  beforeAll(async () => {
    const r = await build(out, { LNSIGNER_RELEASE_PUBKEY: RELEASE_PUB });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`RELEASE build, release key ${RELEASE_PUB}`);
    REL = new Uint8Array(readFileSync(join(out, 'firmware.wasm')));
  }, 240_000);
  afterAll(async () => {
    await Promise.all(rigs.map((g) => g.stop()));
    rmSync(out, { recursive: true, force: true });
  });

  const devImage = (v = '0.1.1') => image(WASM, v); // signed by the development key: flagged DEV
  const relImage = (v = '0.1.1', o: { dev?: boolean } = {}) => parseImage(signImage(REL, parseVersion(v), RELEASE_KEY, o));

  it('get_info: the release build reports no development flag, the development build does', () => {
    expect(device(new MemoryFlash(), REL).fullInfo()).toMatchObject({ devBuild: false, firmwareVersion: '0.1.0', activeSlot: 'direct' });
    expect(device(new MemoryFlash()).fullInfo()).toMatchObject({ devBuild: true });
    expect(sha(REL)).not.toBe(sha(WASM)); // really another firmware (the key is compiled in)
  });

  it('the release build refuses development images at fw_begin, whatever marks them', () => {
    const d = device(new MemoryFlash(), REL);
    const DEV = { code: P.ERR_FW_SIGNATURE, detail: I.FW_SIG_DETAIL_DEV_IMAGE };
    expect(devImage().dev).toBe(true);
    expect(refusal(d.req(P.MSG_FW_BEGIN, devImage().header))).toEqual(DEV);
    // Signed by the development key without the flag.
    const unflagged = parseImage(signImage(WASM, 0x000101, DEV_KEY, { dev: false }));
    expect(unflagged.dev).toBe(false);
    expect(refusal(d.req(P.MSG_FW_BEGIN, unflagged.header))).toEqual(DEV);
    // Signed by the release key but flagged as a development image (the flag is signed).
    expect(refusal(d.req(P.MSG_FW_BEGIN, relImage('0.1.1', { dev: true }).header))).toEqual(DEV);
    // Any other key: a plain bad signature.
    expect(refusal(d.req(P.MSG_FW_BEGIN, image(REL, '0.1.1', OTHER_KEY).header))).toEqual({ code: P.ERR_FW_SIGNATURE, detail: 0 });
    expect(d.info()).toEqual({ version: '0.1.0', hash: sha(REL), slot: 'direct' });
  });

  it('the release build takes an image signed by its release key; the development build refuses it', () => {
    const d = device(new MemoryFlash(), REL);
    const img = relImage('0.1.1');
    expect(img.dev).toBe(false);
    expect(update(d, img)).toBe(true);
    expect(d.fullInfo()).toMatchObject({ firmwareVersion: '0.1.1', imageHash: sha(REL), activeSlot: 'A', devBuild: false });
    const dv = device(new MemoryFlash());
    expect(refusal(dv.req(P.MSG_FW_BEGIN, img.header))).toEqual({ code: P.ERR_FW_SIGNATURE, detail: 0 });
  });

  it('the development build takes development images', () => {
    const d = device(new MemoryFlash());
    expect(update(d, devImage('0.1.2'))).toBe(true);
    expect(d.fullInfo()).toMatchObject({ firmwareVersion: '0.1.2', activeSlot: 'A', devBuild: true });
  });

  it('at boot, the release build never runs a development image found in a slot (confirmed or on trial)', () => {
    // A development build put a development image in slot A and runs it.
    const confirmed = new MemoryFlash();
    const dv = device(confirmed);
    expect(update(dv, devImage())).toBe(true);
    expect(dv.info()).toMatchObject({ version: '0.1.1', slot: 'A' });
    // The same flash under a release build's first stage: the built-in image runs.
    expect(device(confirmed, REL).info()).toEqual({ version: '0.1.0', hash: sha(REL), slot: 'direct' });
    // Committed but not booted yet (trial): reverted, the built-in image runs.
    const trial = new MemoryFlash();
    expect(update(device(trial), devImage(), { reboot: false })).toBe(true);
    expect(device(trial, REL).info()).toEqual({ version: '0.1.0', hash: sha(REL), slot: 'direct' });
    // The control: the development build itself boots both.
    expect(device(confirmed).info()).toMatchObject({ version: '0.1.1', slot: 'A' });
  });

  it('lnsigner flash refuses to send a development image to a release build, and flashes a release image without warning', async () => {
    const g = new Rig();
    rigs.push(g);
    const relFile = join(out, 'firmware.wasm');
    await g.start(undefined, ['--image', relFile]);
    writeFileSync(join(g.dir, 'dev.img'), devImage().bytes);
    let r = await cli(['flash', '--device', g.link, join(g.dir, 'dev.img')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused: .*dev\.img is a DEVELOPMENT image[^]*this device runs a RELEASE build: it refuses development images itself[^]*Nothing was sent/);
    expect(r.stderr).not.toMatch(/uploading/);
    writeFileSync(join(g.dir, 'rel.img'), relImage('0.1.1').bytes);
    r = await cli(['flash', '--device', g.link, join(g.dir, 'rel.img')]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/WARNING|DEVELOPMENT/);
    const info = await (await g.connect()).getInfo();
    expect(info).toMatchObject({ firmwareVersion: '0.1.1', activeSlot: 'A', devBuild: false });
    // `firmware info` trusts what it is told: the release key yes, the default (development key) no.
    expect((await cli(['firmware', 'info', join(g.dir, 'rel.img'), '--trust', RELEASE_PUB])).code).toBe(0);
    expect((await cli(['firmware', 'info', join(g.dir, 'rel.img')])).code).toBe(1);
  });
});
