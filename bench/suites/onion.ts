// BOLT 4 onion construction: the device firmware (onion_create, the same code
// build_onion runs: running ephemeral key, one constant-time ECDH and one
// fixed-base multiplication per hop) next to the @noble reference
// (host/onion/sphinx.ts, pure JS) in the same run, for 1, 5 and 20 hops of
// realistic payloads (intermediate: amount, cltv, scid; final: + payment_data).
// Every case first checks that both produce the same bytes. The firmware call
// includes writing the hops in and reading the packet out. Where wabt's
// spectest-interp is installed, impl "spectest-interp" is onion_create under
// that interpreter (bench/interp.ts; a pool of 4 session keys).
import { sha256 } from '@noble/hashes/sha2.js';
import { loadFirmware } from '../../host/firmware/load.js';
import { buildOnion, type OnionHop } from '../../host/onion/sphinx.js';
import { encodeHopPayload, withLength } from '../../host/onion/payload.js';
import { secp } from '../../host/crypto/noble.js';
import { readFileSync } from 'node:fs';
import { FIRMWARE_WASM } from '../../host/paths.js';
import { interpOpsPerSecond, spectestInterp } from '../interp.js';
import { nativeOpsPerSecond, nativeTimes } from '../native.js';
import type { BenchCase, BenchSuite } from '../types.js';

export const onionSuite: BenchSuite = {
  title: 'onion construction (vs first = ratio to @noble)',
  setup() {
    const fw = loadFirmware();
    const E = fw.exports;
    const session = sha256(Uint8Array.of(0x5e));
    const assoc = sha256(Uint8Array.of(0xa5));
    const cases: BenchCase[] = [];
    const interp = spectestInterp();
    const wasm = interp ? new Uint8Array(readFileSync(FIRMWARE_WASM)) : undefined;
    for (const n of [1, 5, 20]) {
      const hops: OnionHop[] = Array.from({ length: n }, (_, i) => {
        const final = i === n - 1;
        return {
          pubkey: secp.getPublicKey(sha256(Uint8Array.of(1, i)), true),
          payload: withLength(encodeHopPayload({
            amountMsat: 100_000n + BigInt(n - i), cltv: 800_000 + 40 * (n - i),
            shortChannelId: final ? undefined : Uint8Array.of(0, 0, 1, 0, 0, 2, 0, i),
            paymentSecret: final ? assoc : undefined,
          })),
        };
      });
      const bytes = Buffer.concat(hops.map((h) => Buffer.concat([h.pubkey, h.payload])));
      const io = fw.io, HOPS = io, ASSOC = HOPS + bytes.length, SESS = ASSOC + 32, OUT = SESS + 32, SS = OUT + 1366;
      const run = () => {
        fw.write(HOPS, bytes); fw.write(ASSOC, assoc); fw.write(SESS, session);
        const r = E.onion_create(HOPS, bytes.length, n, ASSOC, 32, SESS, 1300, OUT, SS);
        if (r === 0) fw.read(OUT, 1366);
        return r;
      };
      if (run() !== 0) throw new Error(`onion bench: firmware refused ${n} hops`);
      const ref = buildOnion(session, hops, assoc);
      if (!Buffer.from(fw.read(OUT, 1366)).equals(ref.onion)) throw new Error(`onion bench: ${n} hops differ`);
      const name = `onion-${n}-hop${n > 1 ? 's' : ''}`;
      cases.push({ name, impl: 'noble', fn: () => buildOnion(session, hops, assoc) });
      cases.push({ name, impl: 'firmware', fn: run });
      if (nativeTimes()) cases.push({ name, impl: 'native (x86-64)', external: () => nativeOpsPerSecond(name) });
      if (interp && wasm) {
        const sessions = [0, 1, 2, 3].map((k) => sha256(Uint8Array.of(0x5e, k)));
        const S = SS + 32 * n;
        const inputs = [{ at: HOPS, bytes: Uint8Array.from([...bytes, ...assoc]) }, { at: S, bytes: Uint8Array.from(sessions.flatMap((x) => [...x])) }];
        cases.push({
          name, impl: 'spectest-interp', external: () => interpOpsPerSecond(interp, wasm, inputs, {
            field: 'onion_create', pool: 4, args: (k) => [HOPS, bytes.length, n, ASSOC, 32, S + 32 * k, 1300, OUT, SS],
          }, n === 20 ? 2 : n === 5 ? 4 : 10),
        });
      }
    }
    return cases;
  },
};
