// secp256k1 on the device firmware next to tiny-secp256k1 (libsecp256k1
// compiled to WASM) and @noble/secp256k1 (pure JS). tiny-secp256k1 runs first
// in each group, so "vs first" reads as the ratio to libsecp256k1.
// Every call takes the next entry of a pool of random keys and messages, and
// includes moving its inputs in and its outputs out: the firmware case writes
// them into its memory and reads the result back, as tiny-secp256k1's wrapper
// does with its own WASM memory.
//   schnorr-sign:   BIP-340 sign of a 32-byte message, computing the public
//                   key from the secret each time (firmware, tiny and noble alike)
//   schnorr-verify: BIP-340 verify
//   ecdh:           firmware: SHA256(compressed(k*P)) from a 33-byte key;
//                   tiny: pointMultiply (no hash); noble: getSharedSecret (no hash)
//   pubkey:         33-byte compressed public key of a secret key
// Where wabt's spectest-interp is installed, impl "spectest-interp" is the same
// firmware export under that interpreter (bench/interp.ts: inputs from a pool
// in memory, per-call time from two timed runs).
import { randomBytes } from 'node:crypto';
import * as tiny from 'tiny-secp256k1';
import * as secp from '@noble/secp256k1';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { loadFirmware } from '../../host/firmware/load.js';
import { readFileSync } from 'node:fs';
import { FIRMWARE_WASM } from '../../host/paths.js';
import { interpOpsPerSecond, spectestInterp } from '../interp.js';
import { nativeOpsPerSecond, nativeTimes } from '../native.js';
import type { BenchCase, BenchSuite } from '../types.js';

const POOL = 64;

export const secpSuite: BenchSuite = {
  title: 'secp256k1 (vs first = ratio to tiny-secp256k1)',
  setup() {
    secp.hashes.sha256 = sha256;
    secp.hashes.hmacSha256 = (k: Uint8Array, m: Uint8Array) => hmac(sha256, k, m);
    const fw = loadFirmware();
    const E = fw.exports;
    const randKey = () => {
      for (;;) {
        const k = new Uint8Array(randomBytes(32));
        if (tiny.isPrivate(k)) return k;
      }
    };
    const sk = Array.from({ length: POOL }, randKey);
    const msg = Array.from({ length: POOL }, () => new Uint8Array(randomBytes(32)));
    const aux = Array.from({ length: POOL }, () => new Uint8Array(randomBytes(32)));
    const peer = Array.from({ length: POOL }, () => tiny.pointFromScalar(randKey(), true)!);
    const xpk = sk.map((k) => secp.schnorr.getPublicKey(k));
    const sig = sk.map((k, i) => secp.schnorr.sign(msg[i], k, aux[i]));
    const io = fw.io;
    const SK = io, PEER = io + 32, MSG = io + 96, AUX = io + 128, XPK = io + 160, SIG = io + 192, OUT = io + 256;
    // Sanity: every implementation agrees before anything is measured.
    const check = (ok: boolean, what: string) => { if (!ok) throw new Error(`secp bench: ${what} mismatch`); };
    let i = 0;
    const next = () => (i = (i + 1) % POOL);
    const fwSign = () => {
      const k = next();
      fw.write(MSG, msg[k]); fw.write(SK, sk[k]); fw.write(AUX, aux[k]);
      return E.bip340_sign(MSG, 32, SK, AUX, OUT) === 0 ? fw.read(OUT, 64) : undefined;
    };
    const fwVerify = () => {
      const k = next();
      fw.write(MSG, msg[k]); fw.write(XPK, xpk[k]); fw.write(SIG, sig[k]);
      return E.bip340_verify(MSG, 32, XPK, SIG) === 0;
    };
    const fwEcdh = () => {
      const k = next();
      fw.write(SK, sk[k]); fw.write(PEER, peer[k]);
      return E.secp_ecdh(SK, PEER, OUT) === 0 ? fw.read(OUT, 32) : undefined;
    };
    const fwPubkey = () => {
      const k = next();
      fw.write(SK, sk[k]);
      return E.secp_pubkey(SK, OUT) === 0 ? fw.read(OUT, 33) : undefined;
    };
    for (let k = 0; k < POOL; k++) {
      i = k - 1;
      check(Buffer.from(fwSign()!).equals(sig[k]), 'firmware sign');
      check(Buffer.from(tiny.signSchnorr(msg[k], sk[k], aux[k])).equals(sig[k]), 'tiny sign');
      i = k - 1;
      check(fwVerify() && tiny.verifySchnorr(msg[k], xpk[k], sig[k]), 'verify');
      i = k - 1;
      check(Buffer.from(fwEcdh()!).equals(sha256(tiny.pointMultiply(peer[k], sk[k], true)!)), 'ecdh');
    }
    const t = { sk: 0, msg: 0, aux: 0, peer: 0 };
    const tn = () => (t.sk = (t.sk + 1) % POOL);
    const cases: BenchCase[] = [
      { name: 'schnorr-sign', impl: 'tiny-secp256k1', fn: () => { const k = tn(); return tiny.signSchnorr(msg[k], sk[k], aux[k]); } },
      { name: 'schnorr-sign', impl: 'firmware', fn: fwSign },
      { name: 'schnorr-sign', impl: 'noble', fn: () => { const k = tn(); return secp.schnorr.sign(msg[k], sk[k], aux[k]); } },
      { name: 'schnorr-verify', impl: 'tiny-secp256k1', fn: () => { const k = tn(); return tiny.verifySchnorr(msg[k], xpk[k], sig[k]); } },
      { name: 'schnorr-verify', impl: 'firmware', fn: fwVerify },
      { name: 'schnorr-verify', impl: 'noble', fn: () => { const k = tn(); return secp.schnorr.verify(sig[k], msg[k], xpk[k]); } },
      { name: 'ecdh', impl: 'tiny-secp256k1', fn: () => { const k = tn(); return tiny.pointMultiply(peer[k], sk[k], true); } },
      { name: 'ecdh', impl: 'firmware', fn: fwEcdh },
      { name: 'ecdh', impl: 'noble', fn: () => { const k = tn(); return secp.getSharedSecret(sk[k], peer[k], true); } },
      { name: 'pubkey', impl: 'tiny-secp256k1', fn: () => { const k = tn(); return tiny.pointFromScalar(sk[k], true); } },
      { name: 'pubkey', impl: 'firmware', fn: fwPubkey },
      { name: 'pubkey', impl: 'noble', fn: () => { const k = tn(); return secp.getPublicKey(sk[k], true); } },
    ];
    if (nativeTimes()) {
      for (const [name, op] of [['schnorr-sign', 'bip340-sign'], ['schnorr-verify', 'bip340-verify'], ['ecdh', 'ecdh']]) {
        cases.push({ name, impl: 'native (x86-64)', external: () => nativeOpsPerSecond(op) });
      }
    }
    const interp = spectestInterp();
    if (interp) {
      // Interpreter pool: 4 input sets of 256 bytes each in the io area.
      const wasm = new Uint8Array(readFileSync(FIRMWARE_WASM));
      const at = (k: number) => io + 256 * k;
      const inputs = [0, 1, 2, 3].map((k) => ({
        at: at(k), bytes: Uint8Array.from([...sk[k], ...peer[k], 0, ...msg[k], ...aux[k], ...xpk[k], ...sig[k]]),
      }));
      // Offsets inside a set: SK 0, PEER 32, MSG 66, AUX 98, XPK 130, SIG 162; outputs at io + 1024.
      const o = io + 1024;
      const ops: [string, string, (k: number) => number[], number][] = [
        ['schnorr-sign', 'bip340_sign', (k) => [at(k) + 66, 32, at(k), at(k) + 98, o], 10],
        ['schnorr-verify', 'bip340_verify', (k) => [at(k) + 66, 32, at(k) + 130, at(k) + 162], 10],
        ['ecdh', 'secp_ecdh', (k) => [at(k), at(k) + 32, o], 10],
        ['pubkey', 'secp_pubkey', (k) => [at(k), o], 20],
      ];
      for (const [name, field, args, n] of ops) {
        cases.push({ name, impl: 'spectest-interp', external: () => interpOpsPerSecond(interp, wasm, inputs, { field, args, pool: 4 }, n) });
      }
    }
    return cases;
  },
};
