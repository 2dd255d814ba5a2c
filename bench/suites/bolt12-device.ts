// BOLT 12 merkle root computed on the device firmware (impl `firmware`). The
// host codec's suite adds impl `host` cases under the same names.
//   merkle-offer:   the complete offer of format-string-test.json (amount,
//                   description, issuer, issuer id)
//   merkle-invoice: the first BOLT 12 invoice (lni1…) in cln-rpc-examples.json
//                   (17 records, incl. a blinded path and its signature)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bech32 } from '@scure/base';
import { loadFirmware } from '../../host/firmware/load.js';
import { PROJECT_ROOT } from '../../host/paths.js';
import type { BenchCase, BenchSuite } from '../types.js';

const ALPHABET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** TLV bytes of a BOLT 12 string (bech32 without checksum). */
function bolt12Bytes(s: string): Uint8Array {
  const t = s.replace(/\+\s*/g, '').toLowerCase();
  const words = [...t.slice(t.lastIndexOf('1') + 1)].map((c) => ALPHABET.indexOf(c));
  return Uint8Array.from(bech32.fromWordsUnsafe(words) ?? []);
}

function vector(name: string): string {
  return readFileSync(join(PROJECT_ROOT, 'test', 'vectors', name), 'utf8');
}

export function sampleOffer(): Uint8Array {
  const cases = JSON.parse(vector('format-string-test.json')) as { valid: boolean; string: string }[];
  return bolt12Bytes(cases.find((c) => c.valid)!.string);
}

export function sampleInvoice(): Uint8Array {
  const lni = vector('cln-rpc-examples.json').match(/lni1[a-z0-9]+/);
  if (!lni) throw new Error('no lni1 invoice in cln-rpc-examples.json');
  return bolt12Bytes(lni[0]);
}

export const bolt12DeviceSuite: BenchSuite = {
  title: 'BOLT 12 merkle root (device firmware)',
  setup() {
    const fw = loadFirmware();
    const cases: BenchCase[] = [];
    for (const [name, bytes] of [['merkle-offer', sampleOffer()], ['merkle-invoice', sampleInvoice()]] as const) {
      const inPtr = fw.io, outPtr = fw.io + bytes.length;
      fw.write(inPtr, bytes);
      if (fw.exports.bolt12_merkle_root(inPtr, bytes.length, outPtr) !== 0) throw new Error(`${name}: device refused the sample`);
      cases.push({
        name,
        impl: 'firmware',
        fn: () => fw.exports.bolt12_merkle_root(inPtr, bytes.length, outPtr),
        extra: { bytes: bytes.length },
      });
    }
    return cases;
  },
};
