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
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, flag, parseOrExit, str, usageFailure, UsageError, type CommandSpec, type OptionValues } from './options.js';
import { cut } from '../rpc/cut.js';

export const FIRMWARE_SPECS: Record<'sign' | 'keygen' | 'info', CommandSpec> = {
  sign: {
    name: 'firmware sign',
    summary: 'Sign a firmware .wasm into an image a device accepts (docs/firmware-images.md).',
    positionals: ['<firmware.wasm>'],
    options: {
      key: { type: 'string', value: '<keyfile>', required: true, description: 'release key (32-byte secret, hex)' },
      output: { type: 'string', short: 'o', value: '<image>', required: true, description: 'image file to write' },
      version: { type: 'string', value: '<x.y.z|N>', default: 'package.json version', description: 'version in the header' },
    },
  },
  keygen: {
    name: 'firmware keygen',
    summary: 'Make a release key (secret in <keyfile>, public key in <keyfile>.pub).',
    options: {
      output: { type: 'string', short: 'o', value: '<keyfile>', required: true, description: 'key file to write' },
      force: { type: 'boolean', description: 'overwrite an existing key' },
    },
  },
  info: {
    name: 'firmware info',
    summary: 'Show an image and check its signature (exit 1 when not signed by the trusted key).',
    positionals: ['<image>'],
    options: {
      trust: { type: 'string', value: '<pubkey hex|file>', default: 'the development key', description: 'key to check against' },
      json: { type: 'boolean', description: 'JSON output' },
    },
  },
};

const USAGE = `usage: lnsigner firmware sign --key <keyfile> <firmware.wasm> -o <image> [--version <x.y.z|N>]
       lnsigner firmware keygen -o <keyfile> [--force]
       lnsigner firmware info <image> [--trust <pubkey hex|file>] [--json]
(lnsigner firmware <command> --help for each)`;

function packageVersion(): number {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return parseVersion(pkg.version);
}

function sign(v: OptionValues, rest: string[]): number {
  const out = str(v, 'output')!;
  const versionText = str(v, 'version');
  const version = versionText !== undefined ? parseVersion(versionText) : packageVersion();
  const key = readReleaseKey(str(v, 'key')!);
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

function keygen(v: OptionValues): number {
  const out = str(v, 'output')!;
  const force = flag(v, 'force');
  if (existsSync(out) && !force) throw new ImageError(`${out} exists; not overwriting a key (use --force)`);
  const key = generateReleaseKey();
  if (existsSync(`${out}.pub`) && !force) throw new ImageError(`${out}.pub exists; not overwriting (use --force)`);
  writeFileSync(out, `${toHex(key)}\n`, { mode: 0o600 });
  writeFileSync(`${out}.pub`, `${toHex(releasePublicKey(key))}\n`);
  console.log(`${out}: new release key (SECRET: keep it offline); public key ${toHex(releasePublicKey(key))} in ${out}.pub`);
  console.log(`a device accepts images signed with it only when its firmware is built with this public key: ` +
    `LNSIGNER_RELEASE_PUBKEY_FILE=${out}.pub npm run build:device (README, "Release keys")`);
  return 0;
}

function info(v: OptionValues, rest: string[]): number {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(rest[0]));
  } catch (e) {
    throw new ImageError(`cannot read ${rest[0]}: ${(e as Error).message}`);
  }
  const img = parseImage(bytes);
  const dev = devReleasePublicKey();
  const trust = str(v, 'trust') !== undefined ? readReleasePublicKey(str(v, 'trust')!) : dev;
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
  if (flag(v, 'json')) {
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
    if (sub) console.log(`${USAGE}\n`);
    else console.error(`lnsigner firmware: a command is required (sign, keygen or info)\n${USAGE}`);
    return sub ? EXIT_OK : EXIT_USAGE;
  }
  if (sub !== 'sign' && sub !== 'keygen' && sub !== 'info') {
    console.error(`lnsigner firmware: unknown firmware command '${cut(sub)}'\n${USAGE}`);
    return EXIT_USAGE;
  }
  const spec = FIRMWARE_SPECS[sub];
  const p = parseOrExit(spec, rest);
  if (typeof p === 'number') return p;
  try {
    switch (sub) {
      case 'sign': return sign(p.values, p.positionals);
      case 'keygen': return keygen(p.values);
      case 'info': return info(p.values, p.positionals);
    }
  } catch (e) {
    if (e instanceof UsageError) return usageFailure(spec, e.message);
    if (e instanceof ImageError) {
      console.error(`lnsigner firmware: ${e.message}`);
      return EXIT_ERROR;
    }
    throw e;
  }
}

export const subcommand: Subcommand = { summary: 'sign, inspect and make keys for firmware images', spec: Object.values(FIRMWARE_SPECS), run };
