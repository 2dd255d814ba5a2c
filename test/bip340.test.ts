// Device BIP-340 (device/crypto/bip340.ts via bip340_sign / bip340_verify):
// every row of the official test vectors, then random messages, keys and aux
// against @noble/secp256k1's schnorr, entropy-drawn aux, and invalid inputs.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { secp } from '../host/crypto/noble.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { loadFirmware, type Firmware } from '../host/firmware/load.js';
import { h, x } from './helpers/bytes.js';
import * as S from '../shared/crypto-status.js';


const P = 2n ** 256n - 2n ** 32n - 977n;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const b32 = (v: bigint) => h(v.toString(16).padStart(64, '0'));

const fw = loadFirmware();

// Argument layout in the io area: message last (it may be long).
const SK = 0, AUX = 32, PK = 64, SIG = 96, OUT = 160, MSG = 256;

function sign(f: Firmware, msg: Uint8Array, sk: Uint8Array, aux: Uint8Array | null): [number, Uint8Array] {
  f.write(f.io + SK, sk);
  if (aux) f.write(f.io + AUX, aux);
  f.write(f.io + MSG, msg);
  const rc = f.exports.bip340_sign(f.io + MSG, msg.length, f.io + SK, aux ? f.io + AUX : 0, f.io + OUT);
  return [rc, f.read(f.io + OUT, 64)];
}
function verify(f: Firmware, msg: Uint8Array, pk: Uint8Array, sig: Uint8Array): number {
  f.write(f.io + PK, pk);
  f.write(f.io + SIG, sig);
  f.write(f.io + MSG, msg);
  return f.exports.bip340_verify(f.io + MSG, msg.length, f.io + PK, f.io + SIG);
}

/** A valid sign + verify right after an error: the firmware state is intact. */
function stillWorks(f: Firmware = fw): void {
  const sk = b32(0xc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b14e5c9n);
  const msg = new Uint8Array(32).fill(7), aux = new Uint8Array(32);
  const [rc, sig] = sign(f, msg, sk, aux);
  expect(rc).toBe(S.SECP_OK);
  expect(x(sig)).toBe(x(secp.schnorr.sign(msg, sk, aux)));
  expect(verify(f, msg, secp.schnorr.getPublicKey(sk), sig)).toBe(S.SECP_OK);
}

interface Row { index: number; sk: string; pk: string; aux: string; msg: string; sig: string; ok: boolean; comment: string }
const rows: Row[] = readFileSync(new URL('./vectors/bip340-test-vectors.csv', import.meta.url), 'utf8')
  .trim().split(/\r?\n/).slice(1).map((line) => {
    const [index, sk, pk, aux, msg, sig, ok, ...comment] = line.split(',');
    return { index: Number(index), sk, pk, aux, msg, sig, ok: ok === 'TRUE', comment: comment.join(',') };
  });

describe('BIP-340 test vectors (bip340-test-vectors.csv)', () => {
  it('has the 19 rows of the official file', () => {
    expect(rows.map((r) => r.index)).toEqual([...Array(19).keys()]);
  });

  for (const r of rows) {
    if (r.sk) {
      it(`row ${r.index}: signing reproduces the signature byte for byte`, () => {
        const [rc, sig] = sign(fw, h(r.msg), h(r.sk), h(r.aux));
        expect(rc).toBe(S.SECP_OK);
        expect(x(sig).toUpperCase()).toBe(r.sig);
        fw.write(fw.io + SK, h(r.sk));
        expect(fw.exports.secp_xonly_pubkey(fw.io + SK, fw.io + OUT)).toBe(S.SECP_OK);
        expect(x(fw.read(fw.io + OUT, 32)).toUpperCase()).toBe(r.pk);
      });
    }
    it(`row ${r.index}: verification gives ${r.ok ? 'valid' : 'invalid'}${r.comment ? ` (${r.comment})` : ''}`, () => {
      const rc = verify(fw, h(r.msg), h(r.pk), h(r.sig));
      if (r.ok) expect(rc).toBe(S.SECP_OK);
      else expect(rc).not.toBe(S.SECP_OK);
      stillWorks();
    });
  }

  it('invalid rows fail for the documented reason', () => {
    const reasons: [RegExp, number][] = [
      [/public key not on the curve|exceeds the field size/, S.SECP_ERR_PUBKEY],
      [/sig\[0:32\] is equal to field size/, S.SECP_ERR_SIG_R],
      [/sig\[32:64\] is equal to curve order/, S.SECP_ERR_SIG_S],
      [/has_even_y\(R\) is false|negated|is infinite|not an X coordinate/, S.SECP_ERR_SIG_INVALID],
    ];
    const invalid = rows.filter((r) => !r.ok);
    expect(invalid.length).toBe(10);
    for (const r of invalid) {
      const hit = reasons.filter(([re]) => re.test(r.comment));
      expect(hit.length, `row ${r.index}: ${r.comment}`).toBe(1);
      expect(verify(fw, h(r.msg), h(r.pk), h(r.sig)), `row ${r.index}`).toBe(hit[0][1]);
    }
  });
});

describe('BIP-340 against @noble/secp256k1', () => {
  const skArb = fc.bigInt({ min: 1n, max: N - 1n }).map(b32);
  const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

  it('sign matches noble for random keys, messages (0-300 bytes) and aux; both verify', () => {
    fc.assert(fc.property(skArb, fc.uint8Array({ maxLength: 300 }), bytes(32), (sk, msg, aux) => {
      const [rc, sig] = sign(fw, msg, sk, aux);
      expect(rc).toBe(S.SECP_OK);
      expect(x(sig)).toBe(x(secp.schnorr.sign(msg, sk, aux)));
      const pk = secp.schnorr.getPublicKey(sk);
      expect(verify(fw, msg, pk, sig)).toBe(S.SECP_OK);
      expect(secp.schnorr.verify(sig, msg, pk)).toBe(true);
    }), { numRuns: 300 });
  });

  it('deterministic signing with 32 zero bytes of aux (as Core Lightning signs)', () => {
    fc.assert(fc.property(skArb, bytes(32), (sk, msg) => {
      const zero = new Uint8Array(32);
      const [rc, sig] = sign(fw, msg, sk, zero);
      expect(rc).toBe(S.SECP_OK);
      expect(x(sig)).toBe(x(secp.schnorr.sign(msg, sk, zero)));
      expect(x(sign(fw, msg, sk, zero)[1])).toBe(x(sig));
    }), { numRuns: 100 });
  });

  it('edge secret keys 1, 2, n-1, n-2 and n/2', () => {
    for (const k of [1n, 2n, N - 1n, N - 2n, N / 2n, N / 2n + 1n]) {
      const msg = sha256(b32(k)), aux = sha256(msg);
      const [rc, sig] = sign(fw, msg, b32(k), aux);
      expect(rc).toBe(S.SECP_OK);
      expect(x(sig)).toBe(x(secp.schnorr.sign(msg, b32(k), aux)));
      expect(verify(fw, msg, secp.schnorr.getPublicKey(b32(k)), sig)).toBe(S.SECP_OK);
    }
  });

  it('verify agrees with noble on mutated signatures, messages and keys', () => {
    fc.assert(fc.property(skArb, bytes(32), bytes(32), fc.nat(63), fc.integer({ min: 1, max: 255 }), fc.nat(2),
      (sk, msg, aux, pos, flip, what) => {
        const sig = secp.schnorr.sign(msg, sk, aux);
        let pk = secp.schnorr.getPublicKey(sk);
        const m = Uint8Array.from(msg);
        const s = Uint8Array.from(sig);
        if (what === 0) s[pos] ^= flip;
        else if (what === 1) m[pos % 32] ^= flip;
        else { pk = Uint8Array.from(pk); pk[pos % 32] ^= flip; }
        let expected: boolean;
        try { expected = secp.schnorr.verify(s, m, pk); } catch { expected = false; }
        expect(expected).toBe(false);
        expect(verify(fw, m, pk, s)).not.toBe(S.SECP_OK);
      }), { numRuns: 300 });
  });

  it('random signatures fail', () => {
    fc.assert(fc.property(skArb, bytes(32), bytes(64), (sk, msg, sig) => {
      expect(verify(fw, msg, secp.schnorr.getPublicKey(sk), sig)).not.toBe(S.SECP_OK);
    }), { numRuns: 200 });
  });

  it('verifies noble signatures made with other aux values', () => {
    fc.assert(fc.property(skArb, bytes(32), (sk, msg) => {
      const sig = secp.schnorr.sign(msg, sk, new Uint8Array(32).fill(0xff));
      expect(verify(fw, msg, secp.schnorr.getPublicKey(sk), sig)).toBe(S.SECP_OK);
    }), { numRuns: 100 });
  });

  it('s = 0 and r = x(G) are processed (and rejected) without trouble', () => {
    fc.assert(fc.property(skArb, bytes(32), (sk, msg) => {
      const pk = secp.schnorr.getPublicKey(sk);
      const gx = secp.Point.BASE.toBytes(true).slice(1);
      for (const sig of [Uint8Array.from([...gx, ...new Uint8Array(32)]), Uint8Array.from([...pk, ...b32(1n)])]) {
        expect(verify(fw, msg, pk, sig)).toBe(S.SECP_ERR_SIG_INVALID);
      }
    }), { numRuns: 50 });
    stillWorks();
  });
});

describe('BIP-340 invalid inputs', () => {
  const sk = b32(0x0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710n);
  const msg = new Uint8Array(32).fill(0x42);
  const pk = secp.schnorr.getPublicKey(sk);
  const good = secp.schnorr.sign(msg, sk, new Uint8Array(32));

  it('sign rejects secret keys 0 and >= n', () => {
    for (const k of [0n, N, N + 1n, 2n ** 256n - 1n]) {
      fw.write(fw.io + OUT, new Uint8Array(64).fill(0xaa));
      const [rc, out] = sign(fw, msg, b32(k), new Uint8Array(32));
      expect(rc).toBe(S.SECP_ERR_SECKEY);
      expect(out).toEqual(new Uint8Array(64).fill(0xaa));
      stillWorks();
    }
  });

  it('verify: r >= p gives SECP_ERR_SIG_R, s >= n gives SECP_ERR_SIG_S', () => {
    for (const r of [P, P + 1n, 2n ** 256n - 1n]) {
      expect(verify(fw, msg, pk, Uint8Array.from([...b32(r), ...good.slice(32)]))).toBe(S.SECP_ERR_SIG_R);
    }
    for (const s of [N, N + 1n, 2n ** 256n - 1n]) {
      expect(verify(fw, msg, pk, Uint8Array.from([...good.slice(0, 32), ...b32(s)]))).toBe(S.SECP_ERR_SIG_S);
    }
    // s + n (the same value mod n) must not verify
    const s = BigInt('0x' + x(good.slice(32)));
    if (s + N < 2n ** 256n) {
      expect(verify(fw, msg, pk, Uint8Array.from([...good.slice(0, 32), ...b32(s + N)]))).toBe(S.SECP_ERR_SIG_S);
    }
    stillWorks();
  });

  it('verify: public key x >= p or not on the curve gives SECP_ERR_PUBKEY', () => {
    for (const xv of [P, P + 1n, 2n ** 256n - 1n, 5n /* 5^3 + 7 = 132 is not a square mod p */]) {
      expect(verify(fw, msg, b32(xv), good)).toBe(S.SECP_ERR_PUBKEY);
    }
    stillWorks();
  });

  it('aux pointer 0 draws 32 bytes from env.entropy', () => {
    const aux = sha256(Uint8Array.of(1, 2, 3));
    const calls: number[] = [];
    const f = loadFirmware(undefined, { entropy: (out) => { calls.push(out.length); out.set(aux.subarray(0, out.length)); } });
    const [rc, sig] = sign(f, msg, sk, null);
    expect(rc).toBe(S.SECP_OK);
    expect(calls).toEqual([32]);
    expect(x(sig)).toBe(x(secp.schnorr.sign(msg, sk, aux)));
    // With the default (random) entropy the signatures differ but verify.
    const [rc1, s1] = sign(fw, msg, sk, null);
    const [rc2, s2] = sign(fw, msg, sk, null);
    expect([rc1, rc2]).toEqual([S.SECP_OK, S.SECP_OK]);
    expect(x(s1)).not.toBe(x(s2));
    expect(verify(fw, msg, pk, s1)).toBe(S.SECP_OK);
    expect(verify(fw, msg, pk, s2)).toBe(S.SECP_OK);
  });

  it('entropy failure gives SECP_ERR_ENTROPY and nothing is written', () => {
    const f = loadFirmware(undefined, { entropy: () => { throw new Error('no entropy'); } });
    f.write(f.io + OUT, new Uint8Array(64).fill(0xaa));
    const [rc, out] = sign(f, msg, sk, null);
    expect(rc).toBe(S.SECP_ERR_ENTROPY);
    expect(out).toEqual(new Uint8Array(64).fill(0xaa));
    stillWorks(f);
  });

  it('the signature may be written over its own inputs', () => {
    const io = fw.io;
    fw.write(io + SK, sk);
    fw.write(io + AUX, new Uint8Array(32));
    fw.write(io + MSG, msg);
    // out64 overlaps aux and the secret key
    expect(fw.exports.bip340_sign(io + MSG, 32, io + SK, io + AUX, io + SK)).toBe(S.SECP_OK);
    expect(x(fw.read(io + SK, 64))).toBe(x(good));
  });
});

describe('BIP-340 pointer arguments outside linear memory', () => {
  it('give SECP_ERR_ARG instead of trapping', () => {
    const E = fw.exports, io = fw.io, end = fw.memory.buffer.byteLength;
    expect(E.bip340_sign(io + MSG, 32, io + SK, io + AUX, end - 63)).toBe(S.SECP_ERR_ARG);
    expect(E.bip340_sign(end - 10, 11, io + SK, io + AUX, io + OUT)).toBe(S.SECP_ERR_ARG);
    expect(E.bip340_sign(io + MSG, 0x7fffffff, io + SK, 0, io + OUT)).toBe(S.SECP_ERR_ARG);
    expect(E.bip340_sign(io + MSG, 32, -1, io + AUX, io + OUT)).toBe(S.SECP_ERR_ARG);
    expect(E.bip340_sign(io + MSG, 32, io + SK, end - 16, io + OUT)).toBe(S.SECP_ERR_ARG);
    expect(E.bip340_verify(io + MSG, -1, io + PK, io + SIG)).toBe(S.SECP_ERR_ARG);
    expect(E.bip340_verify(io + MSG, 32, end, io + SIG)).toBe(S.SECP_ERR_ARG);
    expect(E.bip340_verify(io + MSG, 32, io + PK, end - 32)).toBe(S.SECP_ERR_ARG);
    // a message ending at the last byte of memory is fine
    const sk = b32(3n), msg = new Uint8Array(10).fill(9), aux = new Uint8Array(32);
    fw.write(end - 10, msg);
    fw.write(io + SK, sk);
    fw.write(io + AUX, aux);
    expect(E.bip340_sign(end - 10, 10, io + SK, io + AUX, io + OUT)).toBe(S.SECP_OK);
    expect(x(fw.read(io + OUT, 64))).toBe(x(secp.schnorr.sign(msg, sk, aux)));
    stillWorks();
  });
});
