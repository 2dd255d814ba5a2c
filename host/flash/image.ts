// Signed firmware images (docs/firmware-images.md; constants in
// shared/firmware-image.ts): build, sign, parse and check them on the host.
// The release key is a developer's build key, not a device key: the host may
// hold it. Devices hold only its public key, an input of the firmware build
// (flash-scripts/build-firmware.mjs, device/boot/release-key.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as I from '../../shared/firmware-image.js';
import { secp } from '../crypto/noble.js';
import { PROJECT_ROOT } from '../paths.js';

export const IMAGE_SIG_TAG = 'lnsigner/firmware-image';
/** The development release key (TEST ONLY: its secret is in the repository). */
export const DEV_RELEASE_KEY_PATH = join(PROJECT_ROOT, 'flash-scripts', 'dev-release-key.hex');

export class ImageError extends Error {}

export interface FirmwareImage {
  version: number;
  /** Header flag IMG_FLAG_DEV: signed with the development key (release builds refuse it). */
  dev: boolean;
  wasm: Uint8Array<ArrayBuffer>;
  /** SHA-256 of the wasm, as in the header. */
  hash: Uint8Array;
  signature: Uint8Array;
  /** The IMG_HDR_SIZE header bytes (the fw_begin payload). */
  header: Uint8Array;
  /** header || wasm */
  bytes: Uint8Array;
}

export const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function taggedHash(tag: string, msg: Uint8Array): Uint8Array {
  const t = sha256(new TextEncoder().encode(tag));
  return new Uint8Array(createHash('sha256').update(t).update(t).update(msg).digest());
}

/** The 32-byte message the release key signs: tagged hash of header[0..48]. */
export function imageSigMessage(header: Uint8Array): Uint8Array {
  return taggedHash(IMAGE_SIG_TAG, header.subarray(0, I.IMG_SIGNED_SIZE));
}

/** "1.2.3" -> 0x010203, or a plain integer (decimal or 0x hex). */
export function parseVersion(s: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(s.trim());
  if (m) {
    const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (a > 255 || b > 255 || c > 255) throw new ImageError(`version ${s}: each part must be 0..255`);
    return (a << 16) | (b << 8) | c;
  }
  if (/^(\d+|0x[0-9a-fA-F]+)$/.test(s.trim())) {
    const n = Number(s.trim());
    if (n >= 1 && n <= 0xffffffff) return n;
  }
  throw new ImageError(`version ${s}: expected major.minor.patch or an integer 1..4294967295`);
}

export function formatVersion(v: number): string {
  return v >>> 24 === 0 ? `${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}` : `0x${v.toString(16)}`;
}

/** Reads a release key file: 64 hex digits (whitespace ignored). */
export function readReleaseKey(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ImageError(`cannot read key file ${path}: ${(e as Error).message}`);
  }
  const h = text.replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new ImageError(`key file ${path}: expected 64 hex digits (a 32-byte secret key)`);
  const key = Uint8Array.from(Buffer.from(h, 'hex'));
  if (!secp.utils.isValidSecretKey(key)) throw new ImageError(`key file ${path}: not a valid secp256k1 secret key`);
  return key;
}

export function releasePublicKey(secret: Uint8Array): Uint8Array {
  return secp.schnorr.getPublicKey(secret);
}

export function generateReleaseKey(): Uint8Array {
  return secp.utils.randomSecretKey();
}

/** The development release key's public key (its secret is public: TEST ONLY). */
let devPub: Uint8Array | undefined;
export function devReleasePublicKey(): Uint8Array {
  devPub ??= releasePublicKey(readReleaseKey(DEV_RELEASE_KEY_PATH));
  return devPub.slice();
}

/** Reads a release public key: 64 hex digits (x-only), given as such or in a
 *  file (as `lnsigner firmware keygen` writes to <keyfile>.pub). */
export function readReleasePublicKey(hexOrFile: string): Uint8Array {
  let h = hexOrFile.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(h)) {
    try {
      h = readFileSync(hexOrFile, 'utf8').replace(/\s+/g, '');
    } catch (e) {
      throw new ImageError(`${hexOrFile}: neither 64 hex digits nor a readable file (${(e as Error).message})`);
    }
    if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new ImageError(`${hexOrFile}: expected 64 hex digits (an x-only release public key)`);
  }
  const key = Uint8Array.from(Buffer.from(h, 'hex'));
  try {
    secp.Point.fromBytes(Uint8Array.of(2, ...key));
  } catch {
    throw new ImageError(`${h}: not a secp256k1 x-only public key`);
  }
  return key;
}

/** Builds the header (unsigned fields) for `wasm` at `version`. */
function headerFor(wasm: Uint8Array, version: number, flags: number): Uint8Array {
  const h = new Uint8Array(I.IMG_HDR_SIZE);
  const v = new DataView(h.buffer);
  v.setUint32(I.IMG_OFF_MAGIC, I.IMG_MAGIC, true);
  h[I.IMG_OFF_FORMAT] = I.IMG_FORMAT;
  h[I.IMG_OFF_FLAGS] = flags;
  v.setUint16(I.IMG_OFF_HDR_SIZE, I.IMG_HDR_SIZE, true);
  v.setUint32(I.IMG_OFF_VERSION, version >>> 0, true);
  v.setUint32(I.IMG_OFF_WASM_LEN, wasm.length, true);
  h.set(sha256(wasm), I.IMG_OFF_HASH);
  return h;
}

/** Signs `wasm` as an image of `version` with the release secret key. The
 *  header carries IMG_FLAG_DEV (inside the signed bytes) when the key is the
 *  development key; `dev` overrides that (tests of the device's refusals). */
export function signImage(wasm: Uint8Array, version: number, secret: Uint8Array,
  o: { allowInvalidWasm?: boolean; dev?: boolean } = {}): Uint8Array {
  if (wasm.length === 0 || wasm.length > I.IMG_MAX_WASM) {
    throw new ImageError(`wasm of ${wasm.length} bytes: a slot holds 1..${I.IMG_MAX_WASM}`);
  }
  // allowInvalidWasm: tests of the bootloader's fallback sign a broken module on purpose.
  if (!o.allowInvalidWasm && !WebAssembly.validate(new Uint8Array(wasm))) throw new ImageError('not a valid WebAssembly module');
  if (!Number.isInteger(version) || version < 1 || version > 0xffffffff) throw new ImageError(`bad version ${version}`);
  const dev = o.dev ?? hex(releasePublicKey(secret)) === hex(devReleasePublicKey());
  const h = headerFor(wasm, version, dev ? I.IMG_FLAG_DEV : 0);
  const sig = secp.schnorr.sign(imageSigMessage(h), secret, new Uint8Array(32));
  h.set(sig, I.IMG_OFF_SIG);
  const out = new Uint8Array(h.length + wasm.length);
  out.set(h);
  out.set(wasm, h.length);
  return out;
}

export function isImage(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === I.IMG_MAGIC;
}

/** Parses an image and checks its structure and wasm hash (not the signature:
 *  that needs the release public key, see verifyImageSignature). */
export function parseImage(bytes: Uint8Array): FirmwareImage {
  if (bytes.length < I.IMG_HDR_SIZE) throw new ImageError(`${bytes.length} bytes: shorter than an image header (${I.IMG_HDR_SIZE})`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (v.getUint32(I.IMG_OFF_MAGIC, true) !== I.IMG_MAGIC) throw new ImageError('not a firmware image (bad magic; expected "LNFW")');
  if (bytes[I.IMG_OFF_FORMAT] !== I.IMG_FORMAT) throw new ImageError(`image format ${bytes[I.IMG_OFF_FORMAT]} is not supported (expected ${I.IMG_FORMAT})`);
  if ((bytes[I.IMG_OFF_FLAGS] & ~I.IMG_FLAG_DEV) !== 0) throw new ImageError(`image flags ${bytes[I.IMG_OFF_FLAGS]} are not supported`);
  if (v.getUint16(I.IMG_OFF_HDR_SIZE, true) !== I.IMG_HDR_SIZE) throw new ImageError('bad header size');
  const len = v.getUint32(I.IMG_OFF_WASM_LEN, true);
  if (len === 0 || len > I.IMG_MAX_WASM) throw new ImageError(`wasm length ${len} out of range 1..${I.IMG_MAX_WASM}`);
  if (bytes.length !== I.IMG_HDR_SIZE + len) {
    throw new ImageError(`image is ${bytes.length} bytes, its header says ${I.IMG_HDR_SIZE + len} (truncated or padded)`);
  }
  const header = bytes.slice(0, I.IMG_HDR_SIZE);
  const wasm = new Uint8Array(bytes.subarray(I.IMG_HDR_SIZE));
  const hash = header.slice(I.IMG_OFF_HASH, I.IMG_OFF_HASH + 32);
  const actual = sha256(wasm);
  if (hex(actual) !== hex(hash)) {
    throw new ImageError(`hash mismatch: the header says ${hex(hash)}, the wasm hashes to ${hex(actual)} (damaged or tampered image)`);
  }
  return {
    version: v.getUint32(I.IMG_OFF_VERSION, true),
    dev: (bytes[I.IMG_OFF_FLAGS] & I.IMG_FLAG_DEV) !== 0,
    wasm,
    hash,
    signature: header.slice(I.IMG_OFF_SIG, I.IMG_OFF_SIG + I.IMG_SIG_SIZE),
    header,
    bytes: bytes.slice(),
  };
}

export function verifyImageSignature(img: FirmwareImage, publicKey: Uint8Array): boolean {
  try {
    return secp.schnorr.verify(img.signature, imageSigMessage(img.header), publicKey);
  } catch {
    return false;
  }
}

/** A development image: flagged IMG_FLAG_DEV, or signed by the development key. */
export function isDevelopmentImage(img: FirmwareImage): boolean {
  return img.dev || verifyImageSignature(img, devReleasePublicKey());
}

export { hex as toHex };
