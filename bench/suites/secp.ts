// secp256k1 on the device firmware next to tiny-secp256k1 (libsecp256k1
// compiled to WASM) and @noble/secp256k1 (pure JS). tiny-secp256k1 runs first
// in each group, so "vs first" reads as the ratio to libsecp256k1.
//   schnorr-sign:   BIP-340 sign of a 32-byte message, computing the public
//                   key from the secret each time (firmware, tiny and noble alike)
//   schnorr-verify: BIP-340 verify
//   ecdh:           firmware: SHA256(compressed(k*P)) from a 33-byte key;
//                   tiny: pointMultiply (no hash); noble: getSharedSecret (no hash)
//   pubkey:         33-byte compressed public key of a secret key
import * as tiny from 'tiny-secp256k1';
import * as secp from '@noble/secp256k1';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { loadFirmware } from '../../host/firmware/load.js';
import type { BenchCase, BenchSuite } from '../types.js';

export const secpSuite: BenchSuite = {
  title: 'secp256k1 (vs first = ratio to tiny-secp256k1)',
  setup() {
    secp.hashes.sha256 = sha256;
    secp.hashes.hmacSha256 = (k: Uint8Array, m: Uint8Array) => hmac(sha256, k, m);
    const fw = loadFirmware();
    const E = fw.exports;
    const sk = sha256(Uint8Array.of(1));
    const peer = secp.getPublicKey(sha256(Uint8Array.of(2)), true);
    const msg = sha256(Uint8Array.of(3));
    const aux = sha256(Uint8Array.of(4));
    const xpk = secp.schnorr.getPublicKey(sk);
    const sig = secp.schnorr.sign(msg, sk, aux);
    const io = fw.io;
    const SK = io, PEER = io + 32, MSG = io + 96, AUX = io + 128, XPK = io + 160, SIG = io + 192, OUT = io + 256;
    fw.write(SK, sk); fw.write(PEER, peer); fw.write(MSG, msg); fw.write(AUX, aux);
    fw.write(XPK, xpk); fw.write(SIG, sig);
    // Sanity: every implementation agrees before anything is measured.
    const check = (ok: boolean, what: string) => { if (!ok) throw new Error(`secp bench: ${what} mismatch`); };
    check(E.bip340_sign(MSG, 32, SK, AUX, OUT) === 0 && Buffer.from(fw.read(OUT, 64)).equals(sig), 'firmware sign');
    check(Buffer.from(tiny.signSchnorr(msg, sk, aux)).equals(sig), 'tiny sign');
    check(E.bip340_verify(MSG, 32, XPK, SIG) === 0 && tiny.verifySchnorr(msg, xpk, sig), 'verify');
    check(E.secp_ecdh(SK, PEER, OUT) === 0
      && Buffer.from(fw.read(OUT, 32)).equals(sha256(tiny.pointMultiply(peer, sk, true)!)), 'ecdh');
    const cases: BenchCase[] = [
      { name: 'schnorr-sign', impl: 'tiny-secp256k1', fn: () => tiny.signSchnorr(msg, sk, aux) },
      { name: 'schnorr-sign', impl: 'firmware', fn: () => E.bip340_sign(MSG, 32, SK, AUX, OUT) },
      { name: 'schnorr-sign', impl: 'noble', fn: () => secp.schnorr.sign(msg, sk, aux) },
      { name: 'schnorr-verify', impl: 'tiny-secp256k1', fn: () => tiny.verifySchnorr(msg, xpk, sig) },
      { name: 'schnorr-verify', impl: 'firmware', fn: () => E.bip340_verify(MSG, 32, XPK, SIG) },
      { name: 'schnorr-verify', impl: 'noble', fn: () => secp.schnorr.verify(sig, msg, xpk) },
      { name: 'ecdh', impl: 'tiny-secp256k1', fn: () => tiny.pointMultiply(peer, sk, true) },
      { name: 'ecdh', impl: 'firmware', fn: () => E.secp_ecdh(SK, PEER, OUT) },
      { name: 'ecdh', impl: 'noble', fn: () => secp.getSharedSecret(sk, peer, true) },
      { name: 'pubkey', impl: 'tiny-secp256k1', fn: () => tiny.pointFromScalar(sk, true) },
      { name: 'pubkey', impl: 'firmware', fn: () => E.secp_pubkey(SK, OUT) },
      { name: 'pubkey', impl: 'noble', fn: () => secp.getPublicKey(sk, true) },
    ];
    return cases;
  },
};
