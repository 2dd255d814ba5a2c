// Device SHA-512, HMAC-SHA512 and PBKDF2-HMAC-SHA512 (device/crypto/sha512.ts,
// hmac-sha512.ts, pbkdf2.ts; exports in device/abi/keys.ts) against the
// FIPS 180-2 / RFC 6234 SHA-512 examples, the RFC 4231 HMAC-SHA512 cases and
// published PBKDF2-HMAC-SHA512 values, and with random inputs against
// @noble/hashes. Every listed vector is first checked against @noble, so a
// mistyped vector fails on its own.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha512 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { loadFirmware } from '../host/firmware/load.js';
import { h, x, ascii } from './helpers/bytes.js';
import * as S from '../shared/hash-cipher-status.js';

const fill = (n: number, b: number) => new Uint8Array(n).fill(b);
const counting = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

const fw = loadFirmware();
const E = fw.exports;
const MEM = fw.memory.buffer.byteLength;

/** Bump allocator over the firmware's io scratch area, reset per call. */
function scratch() {
  let p = fw.io;
  return {
    put(data: Uint8Array): number {
      const at = p;
      if (at + data.length > fw.io + fw.ioSize) throw new Error('io area exhausted');
      fw.write(at, data);
      p += data.length;
      return at;
    },
    alloc(n: number): number {
      return this.put(new Uint8Array(n));
    },
  };
}

function devSha512(msg: Uint8Array): Uint8Array {
  const s = scratch();
  const m = s.put(msg), out = s.alloc(64);
  expect(E.crypto_sha512(m, msg.length, out)).toBe(S.CRYPTO_OK);
  return fw.read(out, 64);
}

function devHmac(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const s = scratch();
  const k = s.put(key), m = s.put(msg), out = s.alloc(64);
  expect(E.crypto_hmac_sha512(k, key.length, m, msg.length, out)).toBe(S.CRYPTO_OK);
  return fw.read(out, 64);
}

function devPbkdf2(pass: Uint8Array, salt: Uint8Array, c: number, dkLen: number): Uint8Array {
  const s = scratch();
  const p = s.put(pass), a = s.put(salt), out = s.alloc(dkLen);
  expect(E.crypto_pbkdf2_hmac_sha512(p, pass.length, a, salt.length, c, out, dkLen)).toBe(S.CRYPTO_OK);
  return fw.read(out, dkLen);
}

// FIPS 180-2 Appendix C / RFC 6234 §8.5 test cases for SHA-512.
const SHA512_VECTORS: { name: string; msg: Uint8Array; digest: string }[] = [
  { name: 'empty', msg: new Uint8Array(0), digest: 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e' },
  { name: '"abc" (C.1)', msg: ascii('abc'), digest: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f' },
  { name: '448-bit', msg: ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), digest: '204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445' },
  { name: '896-bit (C.2)', msg: ascii('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'), digest: '8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909' },
];

// RFC 4231 §4.2-§4.8, HMAC-SHA-512 rows (case 5 is truncated to 128 bits).
const HMAC_VECTORS: { n: number; key: Uint8Array; data: Uint8Array; mac: string }[] = [
  { n: 1, key: fill(20, 0x0b), data: ascii('Hi There'), mac: '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854' },
  { n: 2, key: ascii('Jefe'), data: ascii('what do ya want for nothing?'), mac: '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737' },
  { n: 3, key: fill(20, 0xaa), data: fill(50, 0xdd), mac: 'fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb' },
  { n: 4, key: counting(1, 25), data: fill(50, 0xcd), mac: 'b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd' },
  { n: 5, key: fill(20, 0x0c), data: ascii('Test With Truncation'), mac: '415fad6271580a531d4179bc891d87a6' },
  { n: 6, key: fill(131, 0xaa), data: ascii('Test Using Larger Than Block-Size Key - Hash Key First'), mac: '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598' },
  { n: 7, key: fill(131, 0xaa), data: ascii('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'), mac: 'e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58' },
];

// Widely published PBKDF2-HMAC-SHA512 values (the RFC 6070 inputs with SHA-512).
const PBKDF2_VECTORS: { pass: string; salt: string; c: number; dkLen: number; dk: string }[] = [
  { pass: 'password', salt: 'salt', c: 1, dkLen: 64, dk: '867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce' },
  { pass: 'password', salt: 'salt', c: 2, dkLen: 64, dk: 'e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53cf76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e' },
  { pass: 'password', salt: 'salt', c: 4096, dkLen: 64, dk: 'd197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5' },
  { pass: 'passwordPASSWORDpassword', salt: 'saltSALTsaltSALTsaltSALTsaltSALTsalt', c: 4096, dkLen: 64, dk: '8c0511f4c6e597c6ac6315d8f0362e225f3c501495ba23b868c005174dc4ee71115b59f9e60cd9532fa33e0f75aefe30225c583a186cd82bd4daea9724a3d3b8' },
];

describe('SHA-512 (FIPS 180-4)', () => {
  for (const v of SHA512_VECTORS) {
    it(`FIPS/RFC 6234 vector: ${v.name}`, () => {
      expect(x(sha512(v.msg))).toBe(v.digest);
      expect(x(devSha512(v.msg))).toBe(v.digest);
    });
  }

  it('a long message (15 000 bytes of "a", 118 blocks) matches @noble', () => {
    const m = fill(15_000, 0x61);
    expect(x(devSha512(m))).toBe(x(sha512(m)));
  });

  it('padding boundaries: every length 0..300 matches @noble', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let n = 0; n <= 300; n++) expect(x(devSha512(data.subarray(0, n)))).toBe(x(sha512(data.subarray(0, n))));
  });

  it('random messages match @noble (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (m) => {
      expect(x(devSha512(m))).toBe(x(sha512(m)));
    }), { numRuns: 200 });
  });

  it('pointer outside memory: CRYPTO_ERR_ARG, no trap', () => {
    expect(E.crypto_sha512(MEM - 10, 20, fw.io)).toBe(S.CRYPTO_ERR_ARG);
    expect(E.crypto_sha512(fw.io, 10, MEM - 63)).toBe(S.CRYPTO_ERR_ARG);
    expect(E.crypto_sha512(0xffffffff, 1, fw.io)).toBe(S.CRYPTO_ERR_ARG);
  });
});

describe('HMAC-SHA512 (RFC 4231)', () => {
  for (const v of HMAC_VECTORS) {
    it(`RFC 4231 test case ${v.n}`, () => {
      const n = v.mac.length / 2;
      expect(x(hmac(sha512, v.key, v.data).subarray(0, n))).toBe(v.mac);
      expect(x(devHmac(v.key, v.data).subarray(0, n))).toBe(v.mac);
    });
  }

  it('random keys (0..300 bytes, across the 128-byte block) and messages match @noble (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 600 }), (k, m) => {
      expect(x(devHmac(k, m))).toBe(x(hmac(sha512, k, m)));
    }), { numRuns: 200 });
  });

  it('key lengths 127, 128, 129 (block-size edge)', () => {
    for (const n of [127, 128, 129]) {
      const k = fill(n, n), m = ascii('edge');
      expect(x(devHmac(k, m))).toBe(x(hmac(sha512, k, m)));
    }
  });

  it('pointer outside memory: CRYPTO_ERR_ARG', () => {
    expect(E.crypto_hmac_sha512(MEM - 1, 2, fw.io, 0, fw.io + 100)).toBe(S.CRYPTO_ERR_ARG);
    expect(E.crypto_hmac_sha512(fw.io, 0, fw.io, 0, MEM - 1)).toBe(S.CRYPTO_ERR_ARG);
  });
});

describe('PBKDF2-HMAC-SHA512 (RFC 8018 §5.2)', () => {
  for (const v of PBKDF2_VECTORS) {
    it(`P="${v.pass}", S="${v.salt}", c=${v.c}`, () => {
      const p = ascii(v.pass), s = ascii(v.salt);
      expect(x(pbkdf2(sha512, p, s, { c: v.c, dkLen: v.dkLen }))).toBe(v.dk);
      expect(x(devPbkdf2(p, s, v.c, v.dkLen))).toBe(v.dk);
    });
  }

  it('BIP39 seed of "abandon ... about" with passphrase "TREZOR" (BIP39 reference vector)', () => {
    const m = ascii('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about');
    const seed = 'c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04';
    expect(x(pbkdf2(sha512, m, ascii('mnemonicTREZOR'), { c: 2048, dkLen: 64 }))).toBe(seed);
    expect(x(devPbkdf2(m, ascii('mnemonicTREZOR'), 2048, 64))).toBe(seed);
  });

  it('random passwords, salts, small counts and lengths over several blocks match @noble (property)', () => {
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 100 }),
      fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 200 }),
      (p, s, c, dkLen) => {
        expect(x(devPbkdf2(p, s, c, dkLen))).toBe(x(pbkdf2(sha512, p, s, { c, dkLen })));
      },
    ), { numRuns: 100 });
  });

  it('iterations 0, an empty output, overlaps and out-of-memory pointers are refused', () => {
    const s = scratch();
    const p = s.put(ascii('pw')), a = s.put(ascii('salt')), out = s.alloc(64);
    expect(E.crypto_pbkdf2_hmac_sha512(p, 2, a, 4, 0, out, 64)).toBe(S.CRYPTO_ERR_ARG);
    expect(E.crypto_pbkdf2_hmac_sha512(p, 2, a, 4, 1, out, 0)).toBe(S.CRYPTO_ERR_LENGTH);
    expect(E.crypto_pbkdf2_hmac_sha512(p, 2, a, 4, 1, p, 64)).toBe(S.CRYPTO_ERR_ARG);
    expect(E.crypto_pbkdf2_hmac_sha512(p, 2, a, 4, 1, a - 1, 64)).toBe(S.CRYPTO_ERR_ARG);
    expect(E.crypto_pbkdf2_hmac_sha512(MEM - 1, 2, a, 4, 1, out, 64)).toBe(S.CRYPTO_ERR_ARG);
    expect(E.crypto_pbkdf2_hmac_sha512(p, 2, a, 4, 1, MEM - 32, 64)).toBe(S.CRYPTO_ERR_ARG);
  });
});
