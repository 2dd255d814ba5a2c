// Device secp256k1 core (device/crypto/{field,scalar,group,ecmult-*,keys,ecdh}.ts
// through device/abi/secp.ts) against @noble/secp256k1 and BigInt arithmetic:
// public keys, tweaks, scalar products, point x scalar, ECDH; edge scalars and
// public keys with x near p; every invalid input gives its documented status
// and the firmware keeps working afterwards.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secp } from '../host/crypto/noble.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { loadFirmware } from '../host/firmware/load.js';
import { x } from './helpers/bytes.js';
import * as S from '../shared/crypto-status.js';


const P = 2n ** 256n - 2n ** 32n - 977n;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const LAMBDA = 0x5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72n;

const fw = loadFirmware();
const E = fw.exports;
const b32 = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
const big = (b: Uint8Array) => BigInt('0x' + (x(b) || '0'));
const modp = (a: bigint, m: bigint) => ((a % m) + m) % m;
function powmod(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b = modp(b, m);
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}

// Arguments at fixed offsets of the io area.
const A = fw.io, B = fw.io + 64, C = fw.io + 128, OUT = fw.io + 256;

function pubkey(sk: Uint8Array): [number, Uint8Array] {
  fw.write(A, sk);
  const rc = E.secp_pubkey(A, OUT);
  return [rc, fw.read(OUT, 33)];
}
function xonly(sk: Uint8Array): [number, Uint8Array] {
  fw.write(A, sk);
  const rc = E.secp_xonly_pubkey(A, OUT);
  return [rc, fw.read(OUT, 32)];
}
function ecdh(sk: Uint8Array, pub: Uint8Array): [number, Uint8Array] {
  fw.write(A, sk);
  fw.write(B, pub);
  const rc = E.secp_ecdh(A, B, OUT);
  return [rc, fw.read(OUT, 32)];
}
function tweakAdd(sk: Uint8Array, t: Uint8Array): [number, Uint8Array] {
  fw.write(A, sk);
  fw.write(B, t);
  const rc = E.secp_seckey_tweak_add(A, B, OUT);
  return [rc, fw.read(OUT, 32)];
}
function tweakMul(sk: Uint8Array, t: Uint8Array): [number, Uint8Array] {
  fw.write(A, sk);
  fw.write(B, t);
  const rc = E.secp_seckey_tweak_mul(A, B, OUT);
  return [rc, fw.read(OUT, 32)];
}
function scalarMul(a: Uint8Array, b: Uint8Array): [number, Uint8Array] {
  fw.write(A, a);
  fw.write(B, b);
  const rc = E.secp_scalar_mul(A, B, OUT);
  return [rc, fw.read(OUT, 32)];
}
function pointMul(pub: Uint8Array, t: Uint8Array): [number, Uint8Array] {
  fw.write(A, pub);
  fw.write(B, t);
  const rc = E.secp_pubkey_tweak_mul(A, B, OUT);
  return [rc, fw.read(OUT, 33)];
}
function validate(pub: Uint8Array): [number, Uint8Array] {
  fw.write(A, pub);
  const rc = E.secp_pubkey_validate(A, OUT);
  return [rc, fw.read(OUT, 33)];
}
const nobleEcdh = (sk: Uint8Array, pub: Uint8Array) => x(sha256(secp.getSharedSecret(sk, pub, true)));

/** A valid operation right after an error: the firmware state is intact. */
function stillWorks(): void {
  const sk = b32(0xb7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfefn);
  expect(x(pubkey(sk)[1])).toBe(x(secp.getPublicKey(sk, true)));
}

const scalarArb = fc.bigInt({ min: 1n, max: N - 1n });
const EDGE = [1n, 2n, 3n, N - 1n, N - 2n, N / 2n, N / 2n + 1n, LAMBDA, N - LAMBDA, 2n ** 128n, 2n ** 128n - 1n, 2n ** 255n];

describe('secp256k1 public keys', () => {
  it('matches noble for edge secret keys (compressed and x-only)', () => {
    for (const k of EDGE) {
      const sk = b32(k);
      expect(pubkey(sk)).toEqual([S.SECP_OK, secp.getPublicKey(sk, true)]);
      expect(xonly(sk)).toEqual([S.SECP_OK, secp.schnorr.getPublicKey(sk)]);
    }
  });

  it('matches noble for random secret keys', () => {
    fc.assert(fc.property(scalarArb, (k) => {
      const sk = b32(k);
      expect(x(pubkey(sk)[1])).toBe(x(secp.getPublicKey(sk, true)));
      expect(x(xonly(sk)[1])).toBe(x(secp.schnorr.getPublicKey(sk)));
    }), { numRuns: 300 });
  });

  it('rejects secret keys 0 and >= n with SECP_ERR_SECKEY', () => {
    for (const k of [0n, N, N + 1n, 2n ** 256n - 1n]) {
      expect(pubkey(b32(k))[0]).toBe(S.SECP_ERR_SECKEY);
      expect(xonly(b32(k))[0]).toBe(S.SECP_ERR_SECKEY);
      fw.write(A, b32(k));
      expect(E.secp_seckey_verify(A)).toBe(S.SECP_ERR_SECKEY);
      stillWorks();
    }
    fw.write(A, b32(N - 1n));
    expect(E.secp_seckey_verify(A)).toBe(S.SECP_OK);
  });

  it('does not write the output on error', () => {
    fw.write(OUT, new Uint8Array(33).fill(0xaa));
    expect(pubkey(b32(0n))).toEqual([S.SECP_ERR_SECKEY, new Uint8Array(33).fill(0xaa)]);
  });
});

describe('secp256k1 secret-key tweaks and scalar products', () => {
  it('tweak-add = (d + t) mod n on random inputs', () => {
    fc.assert(fc.property(scalarArb, fc.bigInt({ min: 0n, max: N - 1n }), (d, t) => {
      fc.pre((d + t) % N !== 0n);
      expect(tweakAdd(b32(d), b32(t))).toEqual([S.SECP_OK, b32((d + t) % N)]);
    }), { numRuns: 300 });
  });

  it('tweak-add edge cases', () => {
    for (const d of EDGE) {
      for (const t of [0n, 1n, N - 1n, N - d, N - d + 1n, N - d - 1n].filter((t) => t < N)) {
        const sum = (d + t) % N;
        expect(tweakAdd(b32(d), b32(t))).toEqual(
          sum === 0n ? [S.SECP_ERR_RESULT_ZERO, expect.anything()] : [S.SECP_OK, b32(sum)]);
      }
      // tweak >= n is rejected even when (d + t) mod n would be fine
      for (const t of [N, N + 1n, 2n ** 256n - 1n]) expect(tweakAdd(b32(d), b32(t))[0]).toBe(S.SECP_ERR_TWEAK);
    }
    expect(tweakAdd(b32(0n), b32(1n))[0]).toBe(S.SECP_ERR_SECKEY);
    expect(tweakAdd(b32(N), b32(1n))[0]).toBe(S.SECP_ERR_SECKEY);
    stillWorks();
  });

  it('tweak-mul and scalar-mul = a*b mod n (onion key blinding)', () => {
    fc.assert(fc.property(scalarArb, scalarArb, (a, b) => {
      expect(tweakMul(b32(a), b32(b))).toEqual([S.SECP_OK, b32((a * b) % N)]);
      expect(scalarMul(b32(a), b32(b))).toEqual([S.SECP_OK, b32((a * b) % N)]);
    }), { numRuns: 300 });
    for (const a of EDGE) for (const b of EDGE) expect(scalarMul(b32(a), b32(b))[1]).toEqual(b32((a * b) % N));
    expect(scalarMul(b32(0n), b32(5n))).toEqual([S.SECP_OK, b32(0n)]);
    expect(scalarMul(b32(N), b32(5n))[0]).toBe(S.SECP_ERR_SCALAR);
    expect(scalarMul(b32(5n), b32(2n ** 256n - 1n))[0]).toBe(S.SECP_ERR_SCALAR);
    expect(tweakMul(b32(5n), b32(0n))[0]).toBe(S.SECP_ERR_TWEAK);
    expect(tweakMul(b32(5n), b32(N))[0]).toBe(S.SECP_ERR_TWEAK);
    expect(tweakMul(b32(0n), b32(5n))[0]).toBe(S.SECP_ERR_SECKEY);
    stillWorks();
  });
});

describe('secp256k1 ECDH and point x scalar', () => {
  it('ECDH = SHA256(compressed(k*P)) as noble, random keys', () => {
    fc.assert(fc.property(scalarArb, scalarArb, (a, b) => {
      const pub = secp.getPublicKey(b32(b), true);
      expect(x(ecdh(b32(a), pub)[1])).toBe(nobleEcdh(b32(a), pub));
    }), { numRuns: 300 });
  });

  it('ECDH with edge scalars on edge and random points', () => {
    const G = secp.Point.BASE;
    const points = [G, G.negate(), G.multiply(2n), G.multiply(N - 1n), G.multiply(LAMBDA), G.multiply(0x1234567n)];
    for (const pt of points) {
      const pub = pt.toBytes(true);
      for (const k of EDGE) {
        expect(ecdh(b32(k), pub)).toEqual([S.SECP_OK, sha256(pt.multiply(k).toBytes(true))]);
        expect(pointMul(pub, b32(k))).toEqual([S.SECP_OK, pt.multiply(k).toBytes(true)]);
      }
    }
  });

  it('point x scalar (pubkey tweak-mul) matches noble', () => {
    fc.assert(fc.property(scalarArb, scalarArb, (a, b) => {
      const pt = secp.Point.BASE.multiply(a);
      expect(x(pointMul(pt.toBytes(true), b32(b))[1])).toBe(x(pt.multiply(b).toBytes(true)));
    }), { numRuns: 200 });
  });

  it('both sides of a key exchange agree', () => {
    fc.assert(fc.property(scalarArb, scalarArb, (a, b) => {
      const pa = pubkey(b32(a))[1], pb = pubkey(b32(b))[1];
      expect(x(ecdh(b32(a), pb)[1])).toBe(x(ecdh(b32(b), pa)[1]));
    }), { numRuns: 100 });
  });

  it('rejects invalid secret keys and public keys with their codes', () => {
    const pub = secp.getPublicKey(b32(7n), true);
    for (const k of [0n, N, 2n ** 256n - 1n]) {
      expect(ecdh(b32(k), pub)[0]).toBe(S.SECP_ERR_SECKEY);
      stillWorks();
    }
    for (const prefix of [0, 1, 4, 5, 6, 7, 0xff]) {
      const bad = Uint8Array.from(pub);
      bad[0] = prefix;
      expect(ecdh(b32(3n), bad)[0]).toBe(S.SECP_ERR_PUBKEY);
      expect(validate(bad)[0]).toBe(S.SECP_ERR_PUBKEY);
      expect(pointMul(bad, b32(3n))[0]).toBe(S.SECP_ERR_PUBKEY);
      stillWorks();
    }
    for (const t of [0n, N, 2n ** 256n - 1n]) expect(pointMul(pub, b32(t))[0]).toBe(S.SECP_ERR_TWEAK);
    stillWorks();
  });
});

describe('public keys with x near p', () => {
  const onCurve = (xv: bigint) => powmod(xv ** 3n + 7n, (P - 1n) / 2n, P) === 1n;

  it('x = p-1 ... p-64: accepted exactly when x^3 + 7 is a square, and then as noble', () => {
    let valid = 0, invalid = 0;
    for (let i = 1n; i <= 64n; i++) {
      const xv = P - i;
      for (const prefix of [2, 3]) {
        const pub = Uint8Array.from([prefix, ...b32(xv)]);
        const [rc, out] = validate(pub);
        if (onCurve(xv)) {
          valid++;
          expect(rc).toBe(S.SECP_OK);
          expect(out).toEqual(pub);
          const pt = secp.Point.fromBytes(pub);
          expect(x(ecdh(b32(0xabcdefn), pub)[1])).toBe(nobleEcdh(b32(0xabcdefn), pub));
          expect(pointMul(pub, b32(N - 2n))).toEqual([S.SECP_OK, pt.multiply(N - 2n).toBytes(true)]);
        } else {
          invalid++;
          expect(rc).toBe(S.SECP_ERR_PUBKEY);
          expect(ecdh(b32(5n), pub)[0]).toBe(S.SECP_ERR_PUBKEY);
          stillWorks();
        }
      }
    }
    expect(valid).toBeGreaterThan(10);
    expect(invalid).toBeGreaterThan(10);
  });

  it('x >= p is rejected, even when x - p is a valid x-coordinate', () => {
    let x0 = 1n;
    while (!onCurve(x0)) x0++;
    expect(validate(Uint8Array.from([2, ...b32(x0)]))[0]).toBe(S.SECP_OK);
    for (const xv of [P, P + 1n, P + x0, 2n ** 256n - 1n]) {
      for (const prefix of [2, 3]) {
        const pub = Uint8Array.from([prefix, ...b32(xv)]);
        expect(validate(pub)[0]).toBe(S.SECP_ERR_PUBKEY);
        expect(ecdh(b32(5n), pub)[0]).toBe(S.SECP_ERR_PUBKEY);
      }
    }
    stillWorks();
  });

  it('random x: accepted exactly when on the curve; y parity follows the prefix', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: P - 1n }), fc.constantFrom(2, 3), (xv, prefix) => {
      const pub = Uint8Array.from([prefix, ...b32(xv)]);
      const [rc, out] = validate(pub);
      expect(rc).toBe(onCurve(xv) ? S.SECP_OK : S.SECP_ERR_PUBKEY);
      if (rc === S.SECP_OK) {
        expect(out).toEqual(pub);
        const pt = secp.Point.fromBytes(pub);
        expect(x(pointMul(pub, b32(3n))[1])).toBe(x(pt.multiply(3n).toBytes(true)));
      }
    }), { numRuns: 200 });
  });
});

describe('pointer arguments outside linear memory', () => {
  it('give SECP_ERR_ARG instead of trapping, for every export', () => {
    const end = fw.memory.buffer.byteLength;
    const bad = [end - 31, end, 0xffffffe0 | 0, -1];
    for (const p of bad) {
      expect(E.secp_seckey_verify(p)).toBe(S.SECP_ERR_ARG);
      expect(E.secp_pubkey(A, p)).toBe(S.SECP_ERR_ARG);
      expect(E.secp_pubkey(p, OUT)).toBe(S.SECP_ERR_ARG);
      expect(E.secp_xonly_pubkey(A, p)).toBe(S.SECP_ERR_ARG);
      expect(E.secp_pubkey_validate(p, OUT)).toBe(S.SECP_ERR_ARG);
      expect(E.secp_seckey_tweak_add(A, p, OUT)).toBe(S.SECP_ERR_ARG);
      expect(E.secp_seckey_tweak_mul(A, B, p)).toBe(S.SECP_ERR_ARG);
      expect(E.secp_pubkey_tweak_mul(p, B, OUT)).toBe(S.SECP_ERR_ARG);
      expect(E.secp_scalar_mul(p, B, OUT)).toBe(S.SECP_ERR_ARG);
      expect(E.secp_ecdh(A, p, OUT)).toBe(S.SECP_ERR_ARG);
    }
    // the last byte of memory is usable
    fw.write(end - 32, b32(5n));
    expect(E.secp_seckey_verify(end - 32)).toBe(S.SECP_OK);
    stillWorks();
  });
});
