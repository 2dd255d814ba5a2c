// Onion construction in the firmware (device/onion/sphinx.ts through the
// chip-interface export onion_create of device/abi/onion.ts): Core
// Lightning's createonion semantics against onion-test.json byte for byte,
// the shared secrets against onion-error-test.json (and the failure onion
// decoded with them), random routes of 1-20 hops built by the device and
// peeled hop by hop by the independent @noble implementation
// (host/onion/sphinx.ts), and every refusal code. Rules: BOLT 4 (digest §4).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secp } from '../host/crypto/noble.js';
import { loadFirmware } from '../host/firmware/load.js';
import {
  buildOnion, decodeFailureOnion, peel, peelOnion, FAIL_INVALID_ONION_HMAC, type OnionHop,
} from '../host/onion/sphinx.js';
import { encodeHopPayload, withLength } from '../host/onion/payload.js';
import { h, x, cat, vector } from './helpers/bytes.js';

const fw = loadFirmware();
const E = fw.exports;
const MEM = fw.memory.buffer.byteLength;
const OV = vector('onion-test.json');
const EV = vector('onion-error-test.json');

/** Calls onion_create with inputs laid out in the io area. */
function deviceCreate(hops: OnionHop[], assoc: Uint8Array, session: Uint8Array, onionSize = 1300, nOverride?: number) {
  const hopBytes = cat(...hops.map((hp) => cat(hp.pubkey, hp.payload)));
  const io = fw.io;
  const pHops = io, pAssoc = pHops + hopBytes.length, pSess = pAssoc + assoc.length;
  const pOut = pSess + 32, pSs = pOut + 66 + onionSize;
  expect(pSs + 27 * 32).toBeLessThanOrEqual(io + fw.ioSize);
  fw.write(pHops, hopBytes);
  fw.write(pAssoc, assoc);
  fw.write(pSess, session);
  const n = nOverride ?? hops.length;
  const r = E.onion_create(pHops, hopBytes.length, n, pAssoc, assoc.length, pSess, onionSize, pOut, pSs);
  return {
    status: r as number,
    errHop: E.onion_err_hop() as number,
    onion: fw.read(pOut, 66 + onionSize),
    sharedSecrets: Array.from({ length: Math.max(0, n) }, (_, i) => fw.read(pSs + 32 * i, 32)),
  };
}

const vecHops: OnionHop[] = OV.generate.hops.map((hp: any) => ({ pubkey: h(hp.pubkey), payload: h(hp.payload) }));
const vecSession = h(OV.generate.session_key);
const vecAssoc = h(OV.generate.associated_data);

describe('onion_create: onion-test.json (createonion parameters)', () => {
  it('the 1366-byte onion byte for byte', () => {
    const r = deviceCreate(vecHops, vecAssoc, vecSession);
    expect(r.status).toBe(0);
    expect(x(r.onion)).toBe(OV.onion);
  });

  it('shared secrets are the ones of onion-error-test.json, and decode its failure onion to hop 4, 0x2002', () => {
    const r = deviceCreate(vecHops, vecAssoc, vecSession);
    expect(r.sharedSecrets.map(x)).toEqual(EV.generate.hops.map((hp: any) => hp.hop_shared_secret));
    // BOLT 4 "Returning Errors": the origin strips ammag layers with the shared
    // secrets in route order until the um HMAC matches.
    const f = decodeFailureOnion(r.sharedSecrets, h(EV.errorpacket));
    expect(f).not.toBeNull();
    expect(f!.index).toBe(4);
    expect(x(f!.failuremsg)).toBe(EV.generate.failure_message);
  });

  it('each hop of the vector peels the device onion (decode = hop secrets) and sees its own payload', () => {
    let onion = deviceCreate(vecHops, vecAssoc, vecSession).onion;
    OV.decode.forEach((secretHex: string, i: number) => {
      const p = peelOnion(onion, h(secretHex), vecAssoc);
      expect(x(withLength(p.payload))).toBe(OV.generate.hops[i].payload);
      if (i < 4) onion = p.next!;
      else expect(p.next).toBeNull();
    });
  });

  it('the @noble reference gives the same bytes (checks the reference itself)', () => {
    expect(x(buildOnion(vecSession, vecHops, vecAssoc).onion)).toBe(OV.onion);
  });

  it('onion_size and assocdata are honoured: smaller routing sizes and empty assocdata match the reference', () => {
    const total = vecHops.reduce((n, hp) => n + hp.payload.length + 32, 0);
    for (const size of [total, total + 1, 1000, 1300]) {
      for (const assoc of [vecAssoc, new Uint8Array(0), h('07')]) {
        const r = deviceCreate(vecHops, assoc, vecSession, size);
        expect(r.status).toBe(0);
        expect(r.onion.length).toBe(66 + size);
        expect(x(r.onion)).toBe(x(buildOnion(vecSession, vecHops, assoc, size).onion));
      }
    }
  });
});

const node = (seed: number) => {
  const sk = new Uint8Array(32).fill(0);
  sk[31] = seed + 1; sk[0] = 0x11;
  return { sk, pub: secp.getPublicKey(sk, true) };
};

describe('random routes of 1-20 hops: built by the device, peeled by @noble', () => {
  it('every hop recovers its payload and the HMAC chain ends at the final hop', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.array(fc.nat({ max: 30 }), { minLength: 20, maxLength: 20 }),
      (n, sessRaw, assoc, extras) => {
        const session = sessRaw.slice(); session[0] = (session[0] % 0xfe) + 1; // valid scalar
        const nodes = Array.from({ length: n }, (_, i) => node(i));
        const hops: OnionHop[] = nodes.map((nd, i) => {
          const final = i === n - 1;
          const payload = encodeHopPayload({
            amountMsat: 1000n + BigInt(n - i) * 7n, cltv: 800000 + (n - i) * 40,
            shortChannelId: final ? undefined : Uint8Array.of(0, 0, 1, 0, 0, 2, 0, i),
            paymentSecret: final ? assoc : undefined, totalMsat: final ? 5000n : undefined,
            paymentMetadata: final && n < 10 ? new Uint8Array(extras[i]).fill(0xab) : undefined,
          });
          return { pubkey: nd.pub, payload: withLength(payload) };
        });
        const r = deviceCreate(hops, assoc, session);
        expect(r.status).toBe(0);
        let onion = r.onion;
        for (let i = 0; i < n; i++) {
          const p = peelOnion(onion, nodes[i].sk, assoc);
          expect(x(p.sharedSecret)).toBe(x(r.sharedSecrets[i]));
          expect(x(withLength(p.payload))).toBe(x(hops[i].payload));
          if (i < n - 1) { expect(p.next).not.toBeNull(); onion = p.next!; } else expect(p.next).toBeNull();
        }
        // A tampered onion fails the first hop's HMAC check (BOLT 4: MUST check the HMAC).
        const bad = r.onion.slice(); bad[100] ^= 1;
        expect(peel(bad, nodes[0].sk, assoc)).toMatchObject({ ok: false, code: FAIL_INVALID_ONION_HMAC });
      },
    ), { numRuns: 25 });
  });
});

describe('onion_create refusals (status codes, nothing written, no trap)', () => {
  const one = [vecHops[0]];
  it('hop count 0 or > 27 -> 1', () => {
    expect(deviceCreate(one, vecAssoc, vecSession, 1300, 0).status).toBe(1);
    expect(deviceCreate(one, vecAssoc, vecSession, 1300, 28).status).toBe(1);
  });
  it('session key 0 or >= n -> 2', () => {
    expect(deviceCreate(one, vecAssoc, new Uint8Array(32)).status).toBe(2);
    expect(deviceCreate(one, vecAssoc, new Uint8Array(32).fill(0xff)).status).toBe(2);
  });
  it('invalid node id -> 3 with the hop index', () => {
    const hops = vecHops.slice(0, 3).map((hp) => ({ ...hp }));
    hops[2] = { pubkey: cat(h('04'), hops[2].pubkey.subarray(1)), payload: hops[2].payload };
    const r = deviceCreate(hops, vecAssoc, vecSession);
    expect([r.status, r.errHop]).toEqual([3, 2]);
  });
  it('payload without a valid length prefix, or shorter than 2 bytes -> 4', () => {
    // BOLT 4: length 0 and 1 are invalid for payment payloads.
    const r1 = deviceCreate([{ pubkey: vecHops[0].pubkey, payload: h('0100') }], vecAssoc, vecSession);
    expect(r1.status).toBe(4);
    const r2 = deviceCreate([{ pubkey: vecHops[0].pubkey, payload: h('fd0010') }], vecAssoc, vecSession);
    expect(r2.status).toBe(4);
    // Record list shorter than its own length prefix.
    const r3 = deviceCreate([{ pubkey: vecHops[0].pubkey, payload: h('0a0102') }], vecAssoc, vecSession);
    expect(r3.status).toBe(4);
  });
  it('payloads larger than onion_size -> 5 ("Payloads exceed maximum onion packet size.")', () => {
    const big = withLength(new Uint8Array(1300 - 32 - 3 + 1).fill(1));
    expect(deviceCreate([{ pubkey: vecHops[0].pubkey, payload: big }], vecAssoc, vecSession).status).toBe(5);
    const total = vecHops.reduce((n, hp) => n + hp.payload.length + 32, 0);
    expect(deviceCreate(vecHops, vecAssoc, vecSession, total - 1).status).toBe(5);
  });
  it('onion_size 0 or > 1300 -> 6', () => {
    expect(deviceCreate(one, vecAssoc, vecSession, 0).status).toBe(6);
    expect(E.onion_create(fw.io, 0, 1, fw.io, 0, fw.io, 1301, fw.io, fw.io)).not.toBe(0);
  });
  it('pointers outside memory -> 8, never a trap', () => {
    expect(E.onion_create(MEM - 10, 100, 1, fw.io, 0, fw.io, 1300, fw.io, fw.io)).toBe(8);
    expect(E.onion_create(fw.io, 10, 1, fw.io, 0, fw.io, 1300, MEM - 100, fw.io)).toBe(8);
    expect(E.onion_create(fw.io, 10, 1, fw.io, 0, fw.io, 1300, fw.io, -1)).toBe(8);
  });
});
