// `lnsigner firmware sign --key <file> <wasm> -o <image> [--version N]`
// `lnsigner firmware keygen -o <file>`
// `lnsigner firmware info <image> [--json]`
// Signed firmware images (docs/firmware-images.md). The release key is a
// developer's build key (32-byte secret, hex); flash-scripts/dev-release-key.hex
// is the development key whose public key the firmware in this tree trusts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import {
  ImageError, compiledReleasePublicKey, formatVersion, generateReleaseKey, parseImage, parseVersion,
  readReleaseKey, releasePublicKey, signImage, toHex, verifyImageSignature,
} from '../flash/image.js';
import type { Subcommand } from './main.js';

const USAGE = `usage: lnsigner firmware sign --key <keyfile> <firmware.wasm> -o <image> [--version <x.y.z|N>]
       lnsigner firmware keygen -o <keyfile>
       lnsigner firmware info <image> [--json]`;

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
  return 0;
}

function keygen(args: string[]): number {
  const { opts, flags, rest } = parse(args, ['-o', '--output']);
  const out = opts['-o'] ?? opts['--output'];
  if (!out || rest.length) throw new UsageError('keygen takes -o <keyfile> only');
  if (existsSync(out) && !flags.has('--force')) throw new ImageError(`${out} exists; not overwriting a key (use --force)`);
  const key = generateReleaseKey();
  writeFileSync(out, `${toHex(key)}\n`, { mode: 0o600 });
  console.log(`${out}: new release key; public key ${toHex(releasePublicKey(key))}`);
  console.log('a device accepts images signed with it only once this public key is compiled into its firmware (device/boot/release-key.ts)');
  return 0;
}

function info(args: string[]): number {
  const { flags, rest } = parse(args, []);
  if (rest.length !== 1) throw new UsageError('exactly one image file');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(rest[0]));
  } catch (e) {
    throw new ImageError(`cannot read ${rest[0]}: ${(e as Error).message}`);
  }
  const img = parseImage(bytes);
  const trusted = verifyImageSignature(img, compiledReleasePublicKey());
  const r = {
    version: formatVersion(img.version),
    versionNumber: img.version,
    wasmBytes: img.wasm.length,
    sha256: toHex(img.hash),
    signature: toHex(img.signature),
    signedByBuildReleaseKey: trusted,
  };
  if (flags.has('--json')) {
    console.log(JSON.stringify(r, null, 2));
  } else {
    console.log(`version   ${r.version}`);
    console.log(`wasm      ${r.wasmBytes} bytes`);
    console.log(`sha256    ${r.sha256}`);
    console.log(`signature ${trusted ? 'valid for the release key compiled into this tree (device/boot/release-key.ts)' : 'NOT by the release key compiled into this tree'}`);
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
