// SHA-256 on the device firmware next to @noble/hashes.
import { sha256 } from '@noble/hashes/sha2.js';
import { loadFirmware } from '../../host/firmware/load.js';
import type { BenchSuite } from '../types.js';

export const hashSuite: BenchSuite = {
  title: 'Hashes (device firmware vs @noble/hashes)',
  setup() {
    const fw = loadFirmware();
    const cases = [];
    for (const [name, size] of [['sha256-64B', 64], ['sha256-1KiB', 1024]] as const) {
      const data = new Uint8Array(size).map((_, i) => i);
      const inPtr = fw.io, outPtr = fw.io + size;
      fw.write(inPtr, data);
      cases.push({ name, impl: 'firmware', fn: () => fw.exports.crypto_sha256(inPtr, size, outPtr) });
      cases.push({ name, impl: 'noble', fn: () => sha256(data) });
    }
    return cases;
  },
};
