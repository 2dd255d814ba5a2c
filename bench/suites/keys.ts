// Key derivation from a Core Lightning hsm_secret on the device firmware next
// to the same computation with @noble (pure JS):
//   sha512-1KiB:      SHA-512 of 1 KiB
//   pbkdf2-bip39:     BIP39 seed: PBKDF2-HMAC-SHA512, 2048 rounds, 64 bytes
//   provision-derive: hsm_secret file (v25.12+ mnemonic, 12 words) -> secret_data
//                     -> node id (firmware: keys_secret_data_from_hsm_secret +
//                     keys_node_id, which includes the word-list/checksum check)
//   payer-key:        BOLT 12 payer private key from secret_data and 16 bytes
//                     of invreq_metadata
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import * as secp from '@noble/secp256k1';
import { loadFirmware } from '../../host/firmware/load.js';
import type { BenchCase, BenchSuite } from '../types.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const big = (b: Uint8Array) => BigInt('0x' + Buffer.from(b).toString('hex'));

export const keysSuite: BenchSuite = {
  title: 'Key derivation from hsm_secret (device firmware vs @noble)',
  setup() {
    secp.hashes.sha256 = sha256;
    secp.hashes.hmacSha256 = (k: Uint8Array, m: Uint8Array) => hmac(sha256, k, m);
    const N = secp.Point.CURVE().n;
    const fw = loadFirmware();
    const E = fw.exports;
    const mnemonic = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    const file = new Uint8Array(32 + mnemonic.length);
    file.set(ascii(mnemonic), 32);
    const salt = ascii('mnemonic');
    const meta = new Uint8Array(16).map((_, i) => i);
    const data = new Uint8Array(1024).map((_, i) => i);
    const io = fw.io;
    const FILE = io, MN = FILE + 32, SALT = io + 256, SD = io + 320, SDLEN = io + 384, OUT = io + 400, META = io + 480, DATA = io + 512;
    fw.write(FILE, file); fw.write(SALT, salt); fw.write(META, meta); fw.write(DATA, data);
    const seed = pbkdf2(sha512, ascii(mnemonic), salt, { c: 2048, dkLen: 64 });
    const nodeKey = (sd: Uint8Array) => hkdf(sha256, sd.subarray(0, 32), new Uint8Array(4), ascii('nodeid'), 32);
    // Sanity: the firmware agrees with @noble before anything is measured.
    const check = (ok: boolean, what: string) => { if (!ok) throw new Error(`keys bench: ${what} mismatch`); };
    check(E.keys_secret_data_from_hsm_secret(FILE, file.length, 0, 0, SD, SDLEN) === 0
      && Buffer.from(fw.read(SD, 64)).equals(seed), 'secret_data');
    check(E.keys_node_id(SD, 64, OUT) === 0
      && Buffer.from(fw.read(OUT, 33)).equals(secp.getPublicKey(nodeKey(seed), true)), 'node id');
    const cases: BenchCase[] = [
      { name: 'sha512-1KiB', impl: 'firmware', fn: () => E.crypto_sha512(DATA, 1024, OUT) },
      { name: 'sha512-1KiB', impl: 'noble', fn: () => sha512(data) },
      { name: 'pbkdf2-bip39', impl: 'firmware', fn: () => E.crypto_pbkdf2_hmac_sha512(MN, mnemonic.length, SALT, 8, 2048, OUT, 64) },
      { name: 'pbkdf2-bip39', impl: 'noble', fn: () => pbkdf2(sha512, ascii(mnemonic), salt, { c: 2048, dkLen: 64 }) },
      {
        name: 'provision-derive', impl: 'firmware', fn: () => {
          E.keys_secret_data_from_hsm_secret(FILE, file.length, 0, 0, SD, SDLEN);
          return E.keys_node_id(SD, 64, OUT);
        },
      },
      {
        name: 'provision-derive', impl: 'noble', fn: () => {
          const sd = pbkdf2(sha512, ascii(mnemonic), salt, { c: 2048, dkLen: 64 });
          return secp.getPublicKey(nodeKey(sd), true);
        },
      },
      { name: 'payer-key', impl: 'firmware', fn: () => E.keys_payer_key(SD, 64, META, 16, OUT) },
      {
        name: 'payer-key', impl: 'noble', fn: () => {
          const b = hkdf(sha256, hkdf(sha256, seed, undefined, ascii('derived secrets'), 32), undefined, ascii('node-alias-base'), 32);
          const t = sha256(new Uint8Array([...b, ...meta]));
          return (big(nodeKey(seed)) + big(t)) % N;
        },
      },
    ];
    return cases;
  },
};
