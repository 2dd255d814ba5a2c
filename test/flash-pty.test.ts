// Signed flashing over a real PTY with the real serialport binding: the
// `lnsigner firmware` and `lnsigner flash` CLIs, updates that survive a
// restart, and every refusal (tampered wasm or header, wrong key, downgrade,
// same version) leaving the device serving its old image.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as P from '../shared/protocol.js';
import * as I from '../shared/firmware-image.js';
import { FlashError, flashImage } from '../host/flash/flasher.js';
import {
  DEV_RELEASE_KEY_PATH, parseImage, releasePublicKey, toHex, type FirmwareImage,
} from '../host/flash/image.js';
import { DEV_KEY, OTHER_KEY, Rig, WASM, cli, image, tmp, variant } from './helpers/flash.js';

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

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const WASM_HASH = sha(WASM);

/** An image whose bytes were altered after signing (bypasses the host's own checks). */
function tampered(img: FirmwareImage, at: number): FirmwareImage {
  const bytes = img.bytes.slice();
  bytes[at] ^= 0x01;
  return {
    ...img,
    header: bytes.slice(0, I.IMG_HDR_SIZE),
    wasm: new Uint8Array(bytes.subarray(I.IMG_HDR_SIZE)),
    bytes,
  };
}

async function refusal(r: Rig, img: FirmwareImage): Promise<FlashError> {
  const c = await r.connect();
  const e = await flashImage(c, img).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(FlashError);
  return e as FlashError;
}

async function expectServing(r: Rig, version: string, hash: string, slot: string) {
  const c = await r.connect();
  const info = await c.getInfo();
  expect([info.firmwareVersion, info.imageHash, info.activeSlot]).toEqual([version, hash, slot]);
  expect(await c.ping(Uint8Array.of(1, 2, 3))).toEqual(Uint8Array.of(1, 2, 3));
}

describe('lnsigner firmware', () => {
  it('signs a wasm (version from package.json by default, or --version) and describes the image', async () => {
    const dir = tmp();
    const out = join(dir, 'fw.img');
    const wasmPath = join(dir, 'fw.wasm');
    writeFileSync(wasmPath, WASM);
    let r = await cli(['firmware', 'sign', '--key', DEV_RELEASE_KEY_PATH, wasmPath, '-o', out]);
    expect(r.code).toBe(0);
    let img = parseImage(new Uint8Array(readFileSync(out)));
    expect(img.version).toBe(0x000100);
    expect(toHex(img.hash)).toBe(WASM_HASH);
    r = await cli(['firmware', 'sign', '--key', DEV_RELEASE_KEY_PATH, wasmPath, '-o', out, '--version', '1.2.3']);
    expect(r.code).toBe(0);
    img = parseImage(new Uint8Array(readFileSync(out)));
    expect(img.version).toBe(0x010203);
    expect(img.dev).toBe(true); // signed with the development key: the header says so
    expect(r.stderr).toMatch(/WARNING: signed with the DEVELOPMENT release key/);
    r = await cli(['firmware', 'info', out, '--json']);
    expect(r.code).toBe(0);
    const devPub = toHex(releasePublicKey(DEV_KEY));
    expect(JSON.parse(r.stdout)).toMatchObject({
      version: '1.2.3', sha256: WASM_HASH, wasmBytes: WASM.length, devFlag: true, signedByDevKey: true,
      trustedKey: devPub, trustedKeyIsDev: true, signatureValid: true,
    });
    r = await cli(['firmware', 'info', out]);
    expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/flags +DEV .*\n.*valid for the DEVELOPMENT release key 7634f1c1/)]);
    const key = join(dir, 'k.hex');
    r = await cli(['firmware', 'keygen', '-o', key]);
    expect(r.code).toBe(0);
    const pub = readFileSync(`${key}.pub`, 'utf8').trim();
    expect(pub).toBe(toHex(releasePublicKey(Uint8Array.from(Buffer.from(readFileSync(key, 'utf8').trim(), 'hex')))));
    // A dev-signed image, asked to trust the new key: exit 1.
    r = await cli(['firmware', 'info', out, '--trust', pub]);
    expect([r.code, r.stdout, r.stderr]).toEqual([1, expect.stringMatching(/NOT by release key .*\n.*signed by the development release key/),
      expect.stringMatching(/is not signed by release key/)]);
    r = await cli(['firmware', 'sign', '--key', key, wasmPath, '-o', out]);
    expect([r.code, r.stderr]).toEqual([0, '']); // not the development key: no flag, no warning
    expect(parseImage(new Uint8Array(readFileSync(out))).dev).toBe(false);
    // Default trust is the development key: a release-signed image is not by it.
    r = await cli(['firmware', 'info', out]);
    expect([r.code, r.stdout, r.stderr]).toEqual([1, expect.stringMatching(/NOT by the DEVELOPMENT release key/),
      expect.stringMatching(/not signed by the DEVELOPMENT release key/)]);
    for (const t of [pub, `${key}.pub`]) expect((await cli(['firmware', 'info', out, '--trust', t])).code).toBe(0);
    r = await cli(['firmware', 'info', out, '--trust', join(dir, 'missing.pub')]);
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/neither 64 hex digits nor a readable file/)]);
    expect((await cli(['firmware', 'keygen', '-o', key])).code).toBe(1); // never overwrites a key
    expect((await cli(['firmware', 'sign', wasmPath, '-o', out])).code).toBe(3);
    writeFileSync(join(dir, 'bad.hex'), 'zz');
    const bad = await cli(['firmware', 'sign', '--key', join(dir, 'bad.hex'), wasmPath, '-o', out]);
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringMatching(/64 hex digits/)]);
  });
});

describe('lnsigner flash', () => {
  it('flashes a newer version, shows the hash and progress, and the device runs it after a restart', async () => {
    const r = await rig();
    await expectServing(r, '0.1.0', WASM_HASH, 'direct');
    expect((await (await r.connect()).getInfo()).devBuild).toBe(true); // this tree's default build trusts the development key
    await r.closeClients();
    const file = join(r.dir, 'v011.img');
    writeFileSync(file, image(WASM, '0.1.1').bytes);
    const res = await cli(['flash', '--device', r.link, file]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`image sha256 ${WASM_HASH}`);
    // A development image on a development build: flashed, after a loud warning before the upload.
    expect(res.stderr).toMatch(/!!! WARNING: DEVELOPMENT FIRMWARE IMAGE !!!\n!!! .*DEVELOPMENT release key[^]*secret key is public[^]*uploading: /);
    expect(res.stderr).toMatch(/uploading: 50% .*\n[^]*uploading: 100% \(\d+\/\d+ bytes\)/); // not a TTY: plain percentages
    expect(JSON.parse(res.stdout)).toEqual({ ok: true, slot: 'A', version: '0.1.1', sha256: WASM_HASH });
    await expectServing(r, '0.1.1', WASM_HASH, 'A');
    await r.stop();
    await r.start();
    await expectServing(r, '0.1.1', WASM_HASH, 'A');
    expect(r.emu!.stderr()).toMatch(/running slot A/);
  });

  it('alternates slots with really different images and reports each one\'s hash', async () => {
    const r = await rig();
    const c = await r.connect();
    const a = image(variant('one'), '0.2.0');
    const b = image(variant('two'), '0.3.0');
    expect(toHex(a.hash)).not.toBe(toHex(b.hash));
    const ra = await flashImage(c, a);
    expect([ra.slot, ra.after!.imageHash, ra.after!.firmwareVersion]).toEqual(['A', toHex(a.hash), '0.2.0']);
    const rb = await flashImage(c, b, { chunkSize: 8192 });
    expect([rb.slot, rb.after!.imageHash, rb.after!.firmwareVersion]).toEqual(['B', toHex(b.hash), '0.3.0']);
    const rc = await flashImage(c, image(variant('three'), '0.3.1'), { chunkSize: 1000 });
    expect(rc.slot).toBe('A');
    await r.stop();
    await r.start();
    await expectServing(r, '0.3.1', toHex(image(variant('three'), '0.3.1').hash), 'A');
  });

  it('refuses a tampered wasm (hash mismatch at commit), a tampered header, a wrong key, a downgrade and the same version', async () => {
    const r = await rig();
    const good = image(WASM, '0.1.5');
    // One bit of the wasm flipped: the device writes it, re-reads and refuses at commit.
    let e = await refusal(r, tampered(good, I.IMG_HDR_SIZE + 1000));
    expect([e.status, e.step, e.message]).toEqual([P.ERR_FW_HASH, 'fw_commit', expect.stringMatching(/hash mismatch/)]);
    // Header: the version field raised by one, the signature no longer covers it.
    e = await refusal(r, tampered(good, I.IMG_OFF_VERSION));
    expect([e.status, e.step, e.message]).toEqual([P.ERR_FW_SIGNATURE, 'fw_begin', expect.stringMatching(/bad signature/)]);
    // The hash field itself.
    e = await refusal(r, tampered(good, I.IMG_OFF_HASH + 5));
    expect(e.status).toBe(P.ERR_FW_SIGNATURE);
    e = await refusal(r, image(WASM, '0.1.5', OTHER_KEY));
    expect([e.status, e.step]).toEqual([P.ERR_FW_SIGNATURE, 'fw_begin']);
    e = await refusal(r, image(WASM, '0.0.9'));
    expect([e.status, e.message]).toEqual([P.ERR_FW_ROLLBACK, expect.stringMatching(/downgrade or same version .* newer than 0\.1\.0/)]);
    e = await refusal(r, image(WASM, '0.1.0'));
    expect(e.status).toBe(P.ERR_FW_ROLLBACK);
    await expectServing(r, '0.1.0', WASM_HASH, 'direct');
    // After an update, its own version and anything older are refused too.
    const c = await r.connect();
    await flashImage(c, good);
    for (const v of ['0.1.5', '0.1.4', '0.1.0']) expect((await refusal(r, image(variant(v), v))).status).toBe(P.ERR_FW_ROLLBACK);
    await r.stop();
    await r.start();
    await expectServing(r, '0.1.5', WASM_HASH, 'A');
  });

  it('the CLI refuses a damaged image locally and reports device refusals with exit 1', async () => {
    const r = await rig();
    const dir = r.dir;
    const t = tampered(image(WASM, '0.1.1'), I.IMG_HDR_SIZE + 10);
    writeFileSync(join(dir, 't.img'), t.bytes);
    let res = await cli(['flash', '--device', r.link, join(dir, 't.img')]);
    expect([res.code, res.stderr]).toEqual([1, expect.stringMatching(/hash mismatch: the header says/)]);
    writeFileSync(join(dir, 'k.img'), image(WASM, '0.1.1', OTHER_KEY).bytes);
    res = await cli(['flash', '--device', r.link, join(dir, 'k.img')]);
    expect([res.code, res.stderr]).toEqual([1, expect.stringMatching(/fw_begin: refused: bad signature/)]);
    writeFileSync(join(dir, 'd.img'), image(WASM, '0.0.1').bytes);
    res = await cli(['flash', '--device', r.link, join(dir, 'd.img')]);
    expect([res.code, res.stderr]).toEqual([1, expect.stringMatching(/downgrade or same version/)]);
    writeFileSync(join(dir, 'x.img'), WASM);
    res = await cli(['flash', '--device', r.link, join(dir, 'x.img')]);
    expect([res.code, res.stderr]).toEqual([1, expect.stringMatching(/not a firmware image/)]);
    expect((await cli(['flash', join(dir, 'd.img')])).code).toBe(3);
    await expectServing(r, '0.1.0', WASM_HASH, 'direct');
  });

  it('answers out-of-sequence requests with ERR_FW_STATE and bad layouts with ERR_BAD_PAYLOAD', async () => {
    const r = await rig();
    const c = await r.connect();
    const req = (type: number, p: Uint8Array) => c.transport.request(type, p).then(() => 0, (e: { status: number }) => e.status);
    const chunk = (off: number, data: Uint8Array) => {
      const p = new Uint8Array(4 + data.length);
      new DataView(p.buffer).setUint32(0, off, true);
      p.set(data, 4);
      return p;
    };
    expect(await req(P.MSG_FW_CHUNK, chunk(0, WASM.subarray(0, 16)))).toBe(P.ERR_FW_STATE);
    expect(await req(P.MSG_FW_COMMIT, new Uint8Array(0))).toBe(P.ERR_FW_STATE);
    expect(await req(P.MSG_FW_BEGIN, new Uint8Array(50))).toBe(P.ERR_BAD_PAYLOAD);
    expect(await req(P.MSG_FW_BEGIN, new Uint8Array(I.IMG_HDR_SIZE))).toBe(P.ERR_FW_FORMAT);
    const img = image(WASM, '0.1.1');
    expect(await req(P.MSG_FW_BEGIN, img.header)).toBe(0);
    expect(await req(P.MSG_FW_CHUNK, chunk(100, WASM.subarray(100, 200)))).toBe(P.ERR_FW_STATE); // gap
    expect(await req(P.MSG_FW_CHUNK, chunk(0, WASM.subarray(0, 200)))).toBe(0);
    expect(await req(P.MSG_FW_CHUNK, chunk(0, WASM.subarray(0, 200)))).toBe(0); // resent: same bytes, fine
    expect(await req(P.MSG_FW_CHUNK, chunk(50, WASM.subarray(50, 300)))).toBe(0); // overlapping resend
    expect(await req(P.MSG_FW_CHUNK, chunk(10, Uint8Array.of(WASM[10] ^ 1)))).toBe(P.ERR_FW_STATE); // different bytes
    expect(await req(P.MSG_FW_CHUNK, chunk(WASM.length - 1, Uint8Array.of(1, 2)))).toBe(P.ERR_BAD_PAYLOAD); // past the end
    expect(await req(P.MSG_FW_CHUNK, Uint8Array.of(0, 0, 0, 0))).toBe(P.ERR_BAD_PAYLOAD);
    expect(await req(P.MSG_FW_COMMIT, new Uint8Array(0))).toBe(P.ERR_FW_STATE); // incomplete
    expect(await req(P.MSG_FW_ABORT, new Uint8Array(0))).toBe(0);
    expect(await req(P.MSG_FW_ABORT, new Uint8Array(0))).toBe(0); // idempotent
    expect(await req(P.MSG_FW_CHUNK, chunk(300, WASM.subarray(300, 400)))).toBe(P.ERR_FW_STATE);
    expect(await req(P.MSG_REBOOT, Uint8Array.of(1))).toBe(P.ERR_BAD_PAYLOAD);
    expect((await c.getInfo()).firmwareVersion).toBe('0.1.0');
  });
});
