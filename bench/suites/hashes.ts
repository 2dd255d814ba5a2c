// Hash and cipher primitives on the device firmware next to @noble/hashes and
// @noble/ciphers: SHA-256, HMAC-SHA256, HKDF-SHA256, ChaCha20.
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { loadFirmware } from '../../host/firmware/load.js';
import type { BenchCase, BenchSuite } from '../types.js';

export const hashSuite: BenchSuite = {
  title: 'Hashes and ciphers (device firmware vs @noble)',
  setup() {
    const fw = loadFirmware();
    const E = fw.exports;
    const cases: BenchCase[] = [];
    for (const [name, size] of [['sha256-64B', 64], ['sha256-1KiB', 1024]] as const) {
      const data = new Uint8Array(size).map((_, i) => i);
      const inPtr = fw.io, outPtr = fw.io + size;
      fw.write(inPtr, data);
      cases.push({ name, impl: 'firmware', fn: () => E.crypto_sha256(inPtr, size, outPtr) });
      cases.push({ name, impl: 'noble', fn: () => sha256(data) });
    }
    const key = new Uint8Array(32).map((_, i) => i * 7);
    const nonce = new Uint8Array(12).map((_, i) => i);
    const msg = new Uint8Array(1024).map((_, i) => i * 3);
    const kp = fw.io, np = kp + 32, mp = np + 12, op = mp + 1024;
    fw.write(kp, key);
    fw.write(np, nonce);
    fw.write(mp, msg);
    cases.push({ name: 'hmac-sha256-64B', impl: 'firmware', fn: () => E.crypto_hmac_sha256(kp, 32, mp, 64, op) });
    cases.push({ name: 'hmac-sha256-64B', impl: 'noble', fn: () => hmac(sha256, key, msg.subarray(0, 64)) });
    cases.push({ name: 'hkdf-sha256-64B', impl: 'firmware', fn: () => E.crypto_hkdf_sha256(np, 12, kp, 32, mp, 16, op, 64) });
    cases.push({ name: 'hkdf-sha256-64B', impl: 'noble', fn: () => hkdf(sha256, key, nonce, msg.subarray(0, 16), 64) });
    cases.push({ name: 'chacha20-1KiB', impl: 'firmware', fn: () => E.crypto_chacha20_xor(kp, np, 1, 0, mp, op, 1024) });
    cases.push({ name: 'chacha20-1KiB', impl: 'noble', fn: () => chacha20(key, nonce, msg, undefined, 1) });
    return cases;
  },
};
