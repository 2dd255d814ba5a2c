// `lnsigner firmware sign --key <file> <wasm> -o <image> [--version N]`
// `lnsigner firmware keygen -o <file>`
// `lnsigner firmware info <image> [--trust <pubkey hex|file>] [--json]`
// Signed firmware images (docs/firmware-images.md). The release key is a
// developer's build key (32-byte secret, hex); flash-scripts/dev-release-key.hex
// is the development key (its secret is public), trusted by development builds
// only. `info` exits 1 when the image is not signed by the key it is asked to
// trust (default: the development key, and it says so).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import {
  ImageError, devReleasePublicKey, formatVersion, generateReleaseKey, parseImage, parseVersion,
  readReleaseKey, readReleasePublicKey, releasePublicKey, signImage, toHex, verifyImageSignature,
} from '../flash/image.js';
import type { Subcommand } from './main.js';

const USAGE = `usage: lnsigner firmware sign --key <keyfile> <firmware.wasm> -o <image> [--version <x.y.z|N>]
       lnsigner firmware keygen -o <keyfile>
       lnsigner firmware info <image> [--trust <pubkey hex|file>] [--json]`;

class UsageError extends Error {}

function packageVersion(): number {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return parseVersion(pkg.version);
}

function parse(args: string[], valued: string[]): { opts: Record<string, string>; flags: Set<string>; rest: string[] } {
  const opts: Record<string, string> = {};
  const flags = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (valued.includes(a)) {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      opts[a] = v;
    } else if (a === '--json' || a === '--force') {
      flags.add(a);
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option ${a}`);
    } else {
      rest.push(a);
    }
  }
  return { opts, flags, rest };
}

function sign(args: string[]): number {
  const { opts, rest } = parse(args, ['--key', '-o', '--output', '--version']);
  const out = opts['-o'] ?? opts['--output'];
  if (!opts['--key']) throw new UsageError('--key <keyfile> is required');
  if (!out) throw new UsageError('-o <image> is required');
  if (rest.length !== 1) throw new UsageError('exactly one firmware .wasm file');
  const version = opts['--version'] !== undefined ? parseVersion(opts['--version']) : packageVersion();
  const key = readReleaseKey(opts['--key']);
  let wasm: Uint8Array;
  try {
    wasm = new Uint8Array(readFileSync(rest[0]));
  } catch (e) {
    throw new ImageError(`cannot read ${rest[0]}: ${(e as Error).message}`);
  }
  const image = signImage(wasm, version, key);
  writeFileSync(out, image);
  const img = parseImage(image);
  console.log(`${out}: version ${formatVersion(version)}, ${wasm.length} bytes of wasm, sha256 ${toHex(img.hash)}`);
  console.log(`signed by release key ${toHex(releasePublicKey(key))}`);
  if (img.dev) {
    console.error('WARNING: signed with the DEVELOPMENT release key, whose secret is public: a development image ' +
      '(header flag DEV); release builds refuse it');
  }
  return 0;
}

function keygen(args: string[]): number {
  const { opts, flags, rest } = parse(args, ['-o', '--output']);
  const out = opts['-o'] ?? opts['--output'];
  if (!out || rest.length) throw new UsageError('keygen takes -o <keyfile> only');
  if (existsSync(out) && !flags.has('--force')) throw new ImageError(`${out} exists; not overwriting a key (use --force)`);
  const key = generateReleaseKey();
  if (existsSync(`${out}.pub`) && !flags.has('--force')) throw new ImageError(`${out}.pub exists; not overwriting (use --force)`);
  writeFileSync(out, `${toHex(key)}\n`, { mode: 0o600 });
  writeFileSync(`${out}.pub`, `${toHex(releasePublicKey(key))}\n`);
  console.log(`${out}: new release key (SECRET: keep it offline); public key ${toHex(releasePublicKey(key))} in ${out}.pub`);
  console.log(`a device accepts images signed with it only when its firmware is built with this public key: ` +
    `LNSIGNER_RELEASE_PUBKEY_FILE=${out}.pub npm run build:device (README, "Release keys")`);
  return 0;
}

function info(args: string[]): number {
  const { opts, flags, rest } = parse(args, ['--trust']);
  if (rest.length !== 1) throw new UsageError('exactly one image file');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(rest[0]));
  } catch (e) {
    throw new ImageError(`cannot read ${rest[0]}: ${(e as Error).message}`);
  }
  const img = parseImage(bytes);
  const dev = devReleasePublicKey();
  const trust = opts['--trust'] !== undefined ? readReleasePublicKey(opts['--trust']) : dev;
  const trustIsDev = toHex(trust) === toHex(dev);
  const valid = verifyImageSignature(img, trust);
  const byDev = trustIsDev ? valid : verifyImageSignature(img, dev);
  const r = {
    version: formatVersion(img.version),
    versionNumber: img.version,
    wasmBytes: img.wasm.length,
    sha256: toHex(img.hash),
    signature: toHex(img.signature),
    /** Header flag IMG_FLAG_DEV. */
    devFlag: img.dev,
    /** Signed by the development key (whose secret is public). */
    signedByDevKey: byDev,
    trustedKey: toHex(trust),
    trustedKeyIsDev: trustIsDev,
    signatureValid: valid,
  };
  const keyName = trustIsDev ? `the DEVELOPMENT release key ${r.trustedKey} (its secret is public; default --trust)` :
    `release key ${r.trustedKey}`;
  if (flags.has('--json')) {
    console.log(JSON.stringify(r, null, 2));
  } else {
    console.log(`version   ${r.version}`);
    console.log(`wasm      ${r.wasmBytes} bytes`);
    console.log(`sha256    ${r.sha256}`);
    console.log(`flags     ${img.dev ? 'DEV (a development image: release builds refuse it)' : 'none'}`);
    console.log(`signature ${valid ? `valid for ${keyName}` : `NOT by ${keyName}`}`);
    if (byDev && !trustIsDev) console.log('          (it is signed by the development release key)');
  }
  if (!valid) {
    console.error(`lnsigner firmware: ${rest[0]} is not signed by ${keyName}`);
    return 1;
  }
  return 0;
}

async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return sub ? 0 : 2;
  }
  try {
    switch (sub) {
      case 'sign': return sign(rest);
      case 'keygen': return keygen(rest);
      case 'info': return info(rest);
      default: throw new UsageError(`unknown firmware command ${sub}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`lnsigner firmware: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof ImageError) {
      console.error(`lnsigner firmware: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

export const subcommand: Subcommand = { summary: 'sign, inspect and make keys for firmware images', run };
