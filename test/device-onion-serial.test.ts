// build_onion over the PTY with the real serialport binding, against the
// emulator CLI: onion-test.json byte for byte with a supplied session key, the
// device's own deterministic session key (recomputed here from the node key:
// docs/firmware/onion.md), onions peeled by the independent @noble code, and
// every refusal with its code and detail — after each the device keeps serving.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import * as P from '../shared/protocol.js';
import type { DeviceClient } from '../host/device-client/client.js';
import { encodeBuildOnion, type BuildOnionHop } from '../host/device-client/requests.js';
import { buildOnion, decodeFailureOnion, peelOnion } from '../host/onion/sphinx.js';
import { encodeHopPayload, withLength } from '../host/onion/payload.js';
import { secp } from '../host/crypto/noble.js';
import { h, x, cat, ascii, vector } from './helpers/bytes.js';
import { keyCases, refused } from './helpers/device-requests.js';
import { serialDevice } from './helpers/serial-device.js';

const OV = vector('onion-test.json');
const EV = vector('onion-error-test.json');
const K = keyCases[0];
const N = secp.Point.CURVE().n;

let c: DeviceClient;
serialDevice(K.file, (client) => (c = client));

/** Strips the BigSize length prefix of a vector hop payload. */
function unprefixed(hexPayload: string): Uint8Array {
  const b = h(hexPayload);
  const off = b[0] < 0xfd ? 1 : 3;
  return b.subarray(off);
}
const vecHops: BuildOnionHop[] = OV.generate.hops.map((hp: any) => ({ pubkey: h(hp.pubkey), payload: unprefixed(hp.payload) }));
const vecHash = h(OV.generate.associated_data);

const nodes = Array.from({ length: 20 }, (_, i) => {
  const sk = sha256(ascii(`onion-serial node ${i}`));
  return { sk, pub: secp.getPublicKey(sk, true) };
});

/** A plain (unblinded) route to nodes[0..n-1] delivering `amount` with `feePerHop`. */
function route(n: number, amount: bigint, feePerHop = 10n, secret = new Uint8Array(32).fill(7)) {
  const hops: BuildOnionHop[] = [];
  for (let i = 0; i < n; i++) {
    const final = i === n - 1;
    hops.push({
      pubkey: nodes[i].pub,
      payload: encodeHopPayload({
        amountMsat: amount + BigInt(n - 1 - i) * feePerHop, cltv: 800000 + (n - i) * 40,
        shortChannelId: final ? undefined : Uint8Array.of(0, 0, 7, 0, 0, 1, 0, i),
        paymentSecret: final ? secret : undefined, totalMsat: final ? amount : undefined,
      }),
    });
  }
  return { hops, firstHopAmountMsat: amount + BigInt(n - 1) * feePerHop };
}

/** The device's session key, recomputed on the host (docs/firmware/onion.md). */
function expectedSessionKey(paymentHash: Uint8Array, partId: bigint, req: Uint8Array, hasKey: boolean): Uint8Array {
  const hdr = P.ONION_OFF_ROUTE + (hasKey ? 32 : 0);
  const routeHash = sha256(cat(req.subarray(P.ONION_OFF_FIRST_AMOUNT, P.ONION_OFF_ROUTE), req.subarray(hdr)));
  const pid = new Uint8Array(8);
  new DataView(pid.buffer).setBigUint64(0, partId, true);
  const root = hmac(sha256, K.nodePriv, ascii('lnsigner onion session root'));
  for (let ctr = 0; ctr < 256; ctr++) {
    const k = hmac(sha256, root, cat(ascii('lnsigner onion session'), paymentHash, pid, routeHash, Uint8Array.of(ctr)));
    const v = BigInt('0x' + x(k));
    if (v > 0n && v < N) return k;
  }
  throw new Error('no valid key');
}

describe('build_onion: Core Lightning vector and shared secrets', () => {
  it('onion-test.json byte for byte with the supplied session key; secrets decode onion-error-test.json', async () => {
    const o = await c.buildOnion({ hops: vecHops, paymentHash: vecHash, firstHopAmountMsat: 15000n, sessionKey: h(OV.generate.session_key) });
    expect(x(o.onion)).toBe(OV.onion);
    expect(o.sharedSecrets.map(x)).toEqual(EV.generate.hops.map((hp: any) => hp.hop_shared_secret));
    const f = decodeFailureOnion(o.sharedSecrets, h(EV.errorpacket));
    expect(f?.index).toBe(4);
    expect(x(f!.failuremsg)).toBe('2002');
  });
});

describe('createonion mode (CLN createonion parameters over the serial line)', () => {
  const prefixed = OV.generate.hops.map((hp: any) => ({ pubkey: h(hp.pubkey), payload: h(hp.payload) }));
  it('onion-test.json byte for byte: hops with prefixed payloads, assocdata, session_key, onion_size 1300', async () => {
    const o = await c.createOnion({ hops: prefixed, assocData: vecHash, sessionKey: h(OV.generate.session_key), onionSize: 1300 });
    expect(x(o.onion)).toBe(OV.onion);
    expect(o.sharedSecrets.map(x)).toEqual(EV.generate.hops.map((hp: any) => hp.hop_shared_secret));
  });
  it('other onion_size and assocdata (empty, 7 bytes) match the @noble reference; nothing recorded', async () => {
    const before = await c.getPolicy();
    const sk = h(OV.generate.session_key);
    for (const [size, assoc] of [[700, new Uint8Array(0)], [1300, h('00112233445566')], [575, vecHash]] as const) {
      const o = await c.createOnion({ hops: prefixed, assocData: assoc, sessionKey: sk, onionSize: size });
      expect(o.onion.length).toBe(66 + size);
      expect(x(o.onion)).toBe(x(buildOnion(sk, prefixed, assoc, size).onion));
    }
    // Onion-message style payloads (no amounts) are fine in this mode.
    const msg = await c.createOnion({ hops: [{ pubkey: nodes[0].pub, payload: h('0401020304') }], assocData: new Uint8Array(0) });
    expect(x(peelOnion(msg.onion, nodes[0].sk, new Uint8Array(0)).payload)).toBe('01020304');
    const after = await c.getPolicy();
    expect(after.seq).toBe(before.seq);
    expect(after.logUsed).toBe(before.logUsed);
  });
  it('refusals: payloads larger than onion_size -> ERR_ONION_ROUTE 5 | bytes over << 8; onion_size 1301 -> 6; no session key -> ERR_BAD_PAYLOAD', async () => {
    // Refused, never truncated: the detail's upper bits say by how many bytes (here 1).
    await refused(c.createOnion({ hops: prefixed, assocData: vecHash, sessionKey: h(OV.generate.session_key), onionSize: 574 }), P.ERR_ONION_ROUTE, 5 | (1 << 8));
    await refused(c.createOnion({ hops: prefixed, assocData: vecHash, sessionKey: h(OV.generate.session_key), onionSize: 1301 }), P.ERR_ONION_ROUTE, 6);
    const noKey = encodeBuildOnion({ hops: vecHops, paymentHash: vecHash, firstHopAmountMsat: 15000n });
    noKey[0] = P.ONION_FLAG_CREATEONION;
    await refused(c.transport.request(P.MSG_BUILD_ONION, noKey), P.ERR_BAD_PAYLOAD);
  });
});

describe('build_onion: device-derived session key', () => {
  it('is the documented HMAC of the node key, deterministic per (hash, partid, route), peeled by @noble', async () => {
    const hash = sha256(ascii('payment 1'));
    for (const n of [1, 5, 20]) {
      const r = route(n, 100_000n);
      const req = { ...r, paymentHash: hash, partId: 3n };
      const a = await c.buildOnion(req);
      const b = await c.buildOnion(req);
      expect(x(b.onion)).toBe(x(a.onion)); // a retry reproduces the same onion
      const sk = expectedSessionKey(hash, 3n, encodeBuildOnion(req), false);
      const ref = buildOnion(sk, r.hops.map((hp) => ({ pubkey: hp.pubkey, payload: withLength(hp.payload) })), hash);
      expect(x(a.onion)).toBe(x(ref.onion));
      let onion = a.onion;
      for (let i = 0; i < n; i++) {
        const p = peelOnion(onion, nodes[i].sk, hash);
        expect(x(p.sharedSecret)).toBe(x(a.sharedSecrets[i]));
        expect(x(p.payload)).toBe(x(r.hops[i].payload));
        if (i < n - 1) onion = p.next!;
        else expect(p.next).toBeNull();
      }
      // Another part id, or another route, gives another session key.
      const other = await c.buildOnion({ ...req, partId: 4n });
      expect(x(other.onion.subarray(1, 34))).not.toBe(x(a.onion.subarray(1, 34)));
      const r2 = route(n, 100_001n, 11n);
      const third = await c.buildOnion({ ...r2, paymentHash: hash, partId: 3n });
      expect(x(third.onion.subarray(1, 34))).not.toBe(x(a.onion.subarray(1, 34)));
    }
  });
});

describe('build_onion refusals (code, detail), device keeps serving', () => {
  const hash = sha256(ascii('refusals'));
  const raw = (payload: Uint8Array) => c.transport.request(P.MSG_BUILD_ONION, payload);
  it('malformed header -> ERR_BAD_PAYLOAD', async () => {
    await refused(raw(new Uint8Array(10)), P.ERR_BAD_PAYLOAD);
    const good = encodeBuildOnion({ ...route(2, 1000n), paymentHash: hash });
    const badFlags = good.slice(); badFlags[0] = 2;
    await refused(raw(badFlags), P.ERR_BAD_PAYLOAD);
    await refused(raw(cat(good, Uint8Array.of(0))), P.ERR_BAD_PAYLOAD); // trailing byte
  });
  it('0 or 28 hops -> ERR_ONION_ROUTE 1', async () => {
    const good = encodeBuildOnion({ ...route(1, 1000n), paymentHash: hash });
    const zero = good.slice(); zero[1] = 0;
    await refused(raw(zero), P.ERR_ONION_ROUTE, 1);
    const many = good.slice(); many[1] = 28;
    await refused(raw(many), P.ERR_ONION_ROUTE, 1);
  });
  it('a hop record cut short -> ERR_ONION_ROUTE 4 | hop << 8', async () => {
    const good = encodeBuildOnion({ ...route(3, 1000n), paymentHash: hash });
    await refused(raw(good.subarray(0, good.length - 5)), P.ERR_ONION_ROUTE, 4 | (2 << 8));
  });
  it('invalid node id -> ERR_ONION_ROUTE 3 | hop << 8', async () => {
    const r = route(3, 1000n);
    r.hops[1] = { ...r.hops[1], pubkey: cat(h('05'), r.hops[1].pubkey.subarray(1)) };
    await refused(c.buildOnion({ ...r, paymentHash: hash }), P.ERR_ONION_ROUTE, 3 | (1 << 8));
  });
  it('payloads larger than 1300 bytes in all -> ERR_ONION_ROUTE 5 | bytes over << 8', async () => {
    const r = route(2, 1000n);
    r.hops[1] = { ...r.hops[1], payload: cat(r.hops[1].payload, h('fd0101fd04d8'), new Uint8Array(1240)) };
    const over = r.hops.reduce((n, hp) => n + withLength(hp.payload).length + 32, 0) - 1300;
    expect(over).toBeGreaterThan(0);
    await refused(c.buildOnion({ ...r, paymentHash: hash }), P.ERR_ONION_ROUTE, 5 | (over << 8));
  });
  it('an amount that grows along the route -> ERR_ONION_AMOUNT 3 | hop << 8', async () => {
    const r = route(3, 1000n);
    // BOLT 4: hops forward at most what they receive.
    await refused(c.buildOnion({ ...r, paymentHash: hash, firstHopAmountMsat: 1000n }), P.ERR_ONION_AMOUNT, 3 | (0 << 8));
    const r2 = route(3, 1000n, 10n);
    r2.hops[2] = { ...r2.hops[2], payload: encodeHopPayload({ amountMsat: 1011n, cltv: 800040 }) };
    await refused(c.buildOnion({ ...r2, paymentHash: hash }), P.ERR_ONION_AMOUNT, 3 | (2 << 8));
  });
  it('final hop without amt_to_forward, or a malformed TLV -> ERR_ONION_AMOUNT 2 / 1', async () => {
    const r = route(2, 1000n);
    r.hops[1] = { ...r.hops[1], payload: h('0403012345') };
    await refused(c.buildOnion({ ...r, paymentHash: hash }), P.ERR_ONION_AMOUNT, 2 | (1 << 8));
    r.hops[1] = { ...r.hops[1], payload: h('04030123450202ffff') }; // types out of order
    await refused(c.buildOnion({ ...r, paymentHash: hash }), P.ERR_ONION_AMOUNT, 1 | (1 << 8));
    r.hops[1] = { ...r.hops[1], payload: h('020300abcd') }; // tu64 not minimal
    await refused(c.buildOnion({ ...r, paymentHash: hash }), P.ERR_ONION_AMOUNT, 1 | (1 << 8));
  });
  it('session key 0 -> ERR_ONION_ROUTE 2; the device still builds onions', async () => {
    await refused(c.buildOnion({ ...route(1, 1000n), paymentHash: hash, sessionKey: new Uint8Array(32) }), P.ERR_ONION_ROUTE, 2);
    const o = await c.buildOnion({ ...route(2, 1000n), paymentHash: hash });
    expect(peelOnion(o.onion, nodes[0].sk, hash).next).not.toBeNull();
  });
});
