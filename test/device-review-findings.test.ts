// Review findings (issue 9) on serial requests, over the in-process chip:
// - ecdh takes exactly a 33-byte point;
// - createonion mode checks its lengths before any pointer arithmetic;
// - a host-supplied session key is part of the part's identity in the spend log;
// - the derived session key comes from a key derived for that purpose.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import * as P from '../shared/protocol.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import {
  decodeBuildOnionReply, decodePolicy, encodeBuildOnion, encodeCreateOnion, encodeProvision, type BuildOnionRequest,
} from '../host/device-client/requests.js';
import { buildOnion, peelOnion } from '../host/onion/sphinx.js';
import { encodeHopPayload, withLength } from '../host/onion/payload.js';
import { secp } from '../host/crypto/noble.js';
import { powerUp, type Chip } from './helpers/chip.js';
import { ascii, cat, x } from './helpers/bytes.js';
import { keyCases } from './helpers/device-requests.js';

const K = keyCases[0];
const N = secp.Point.CURVE().n;
const node = (i: number) => {
  const sk = sha256(ascii(`findings node ${i}`));
  return { sk, pub: secp.getPublicKey(sk, true) };
};

function provisioned(): Chip {
  const chip = powerUp(new MemoryFlash());
  const r = chip.request(P.MSG_PROVISION, encodeProvision({ hsmSecret: K.file, passphrase: K.passphrase, network: 'regtest' }));
  expect(r.type).toBe(P.MSG_PROVISION | P.MSG_REPLY);
  return chip;
}

const errorCode = (chip: Chip, type: number, payload: Uint8Array): number | 'reply' => {
  const f = chip.request(type, payload);
  return f.type === P.MSG_ERROR ? f.payload[P.ERROR_OFF_CODE] : 'reply';
};

function policy(chip: Chip) {
  return decodePolicy(chip.request(P.MSG_GET_POLICY, new Uint8Array(0)).payload);
}

function twoHopRoute(hash: Uint8Array, sessionKey?: Uint8Array): BuildOnionRequest {
  const a = node(1), b = node(2);
  return {
    paymentHash: hash, partId: 5n, firstHopAmountMsat: 50_010n, sessionKey,
    hops: [
      { pubkey: a.pub, payload: encodeHopPayload({ amountMsat: 50_000n, cltv: 800_080, shortChannelId: Uint8Array.of(0, 0, 7, 0, 0, 1, 0, 1) }) },
      { pubkey: b.pub, payload: encodeHopPayload({ amountMsat: 50_000n, cltv: 800_040, paymentSecret: new Uint8Array(32).fill(9), totalMsat: 50_000n }) },
    ],
  };
}

describe('ecdh: the payload is exactly the 33-byte point', () => {
  it('shorter or longer is ERR_BAD_PAYLOAD; exactly 33 is the shared secret', () => {
    const chip = provisioned();
    const point = node(3).pub;
    for (const p of [point.subarray(0, 32), cat(point, Uint8Array.of(0)), cat(point, new Uint8Array(100)), new Uint8Array(0)]) {
      expect(errorCode(chip, P.MSG_ECDH, p)).toBe(P.ERR_BAD_PAYLOAD);
    }
    const shared = secp.getSharedSecret(K.nodePriv, point, true);
    expect(x(chip.request(P.MSG_ECDH, point).payload)).toBe(x(sha256(shared)));
  });
});

describe('createonion mode: every truncated payload is refused, never read past its end', () => {
  const full = encodeCreateOnion({
    hops: [{ pubkey: node(1).pub, payload: withLength(encodeHopPayload({ amountMsat: 1000n, cltv: 144 })) }],
    assocData: new Uint8Array(0), sessionKey: new Uint8Array(32).fill(0x41), onionSize: 1300,
  });
  const header = P.ONION_OFF_ROUTE + 32 + 4; // flags … session key, onion_size u16, assocdata length u16

  it('for each length 0..100, with real or all-ones field bytes (an error reply, then the next request is served)', () => {
    const chip = provisioned(); // build_onion is refused before its payload is read on a blank device
    const ones = new Uint8Array(full.length).fill(0xff);
    ones[P.ONION_OFF_FLAGS] = P.ONION_FLAG_SESSION_KEY | P.ONION_FLAG_CREATEONION;
    ones[P.ONION_OFF_HOPS] = 1;
    for (const src of [full, ones]) {
      for (let len = 0; len <= 100; len++) {
        const code = errorCode(chip, P.MSG_BUILD_ONION, src.slice(0, len));
        // Shorter than the fixed fields: not the request's layout.
        if (len < header) expect([len, code]).toEqual([len, P.ERR_BAD_PAYLOAD]);
        else expect([P.ERR_BAD_PAYLOAD, P.ERR_ONION_ROUTE]).toContain(code);
      }
    }
    const o = decodeBuildOnionReply(chip.request(P.MSG_BUILD_ONION, full).payload.slice(0, P.ONION_PACKET_SIZE + 32), 1);
    const hop = { pubkey: node(1).pub, payload: withLength(encodeHopPayload({ amountMsat: 1000n, cltv: 144 })) };
    expect(x(o.onion)).toBe(x(buildOnion(new Uint8Array(32).fill(0x41), [hop], new Uint8Array(0), 1300).onion));
  });
});

describe('build_onion: the session key is part of the part identity', () => {
  it('the same hash, partid and route with another host key is a new part: recorded and counted again', () => {
    const chip = provisioned();
    const hash = sha256(ascii('findings payment'));
    const k1 = new Uint8Array(32).fill(0x21), k2 = new Uint8Array(32).fill(0x22);
    const build = (key?: Uint8Array) => {
      const f = chip.request(P.MSG_BUILD_ONION, encodeBuildOnion(twoHopRoute(hash, key)));
      expect(f.type).toBe(P.MSG_BUILD_ONION | P.MSG_REPLY);
      return decodeBuildOnionReply(f.payload, 2);
    };
    const a = build(k1);
    expect(policy(chip)).toMatchObject({ logUsed: 1, spentLast24hMsat: 50_010n });
    const again = build(k1); // a resend: same onion, nothing new recorded
    expect(x(again.onion)).toBe(x(a.onion));
    expect(policy(chip)).toMatchObject({ logUsed: 1, spentLast24hMsat: 50_010n });
    const b = build(k2); // another onion for the same part: counted
    expect(x(b.onion)).not.toBe(x(a.onion));
    expect(policy(chip)).toMatchObject({ logUsed: 2, spentLast24hMsat: 100_020n });
    const derived = build(); // the device's own key: a third identity
    expect(x(derived.onion)).not.toBe(x(a.onion));
    expect(policy(chip)).toMatchObject({ logUsed: 3, spentLast24hMsat: 150_030n });
    build();
    expect(policy(chip)).toMatchObject({ logUsed: 3, spentLast24hMsat: 150_030n });
  });
});

describe('build_onion: the derived session key', () => {
  /** docs/firmware/onion.md "Session key", recomputed with @noble. */
  function expected(req: Uint8Array, hash: Uint8Array, partId: bigint): Uint8Array {
    const root = hmac(sha256, K.nodePriv, ascii('lnsigner onion session root'));
    const routeHash = sha256(cat(req.subarray(P.ONION_OFF_FIRST_AMOUNT, P.ONION_OFF_ROUTE), req.subarray(P.ONION_OFF_ROUTE)));
    const pid = new Uint8Array(8);
    new DataView(pid.buffer).setBigUint64(0, partId, true);
    for (let ctr = 0; ctr < 256; ctr++) {
      const k = hmac(sha256, root, cat(ascii('lnsigner onion session'), hash, pid, routeHash, Uint8Array.of(ctr)));
      const v = BigInt('0x' + x(k));
      if (v > 0n && v < N) return k;
    }
    throw new Error('no valid key');
  }

  it('comes from a purpose key HMAC(node key, "lnsigner onion session root"), not the node key itself', () => {
    const chip = provisioned();
    const hash = sha256(ascii('findings derived'));
    const r = twoHopRoute(hash);
    const req = encodeBuildOnion(r);
    const o = decodeBuildOnionReply(chip.request(P.MSG_BUILD_ONION, req).payload, 2);
    const hops = r.hops.map((hp) => ({ pubkey: hp.pubkey, payload: withLength(hp.payload) }));
    const sk = expected(req, hash, 5n);
    expect(x(o.onion)).toBe(x(buildOnion(sk, hops, hash).onion));
    // The old derivation (HMAC keyed by the node key directly) is not what the device uses.
    const pid = new Uint8Array(8);
    new DataView(pid.buffer).setBigUint64(0, 5n, true);
    const routeHash = sha256(cat(req.subarray(P.ONION_OFF_FIRST_AMOUNT, P.ONION_OFF_ROUTE), req.subarray(P.ONION_OFF_ROUTE)));
    const old = hmac(sha256, K.nodePriv, cat(ascii('lnsigner onion session'), hash, pid, routeHash, Uint8Array.of(0)));
    expect(x(o.onion)).not.toBe(x(buildOnion(old, hops, hash).onion));
    expect(x(peelOnion(o.onion, node(1).sk, hash).payload)).toBe(x(r.hops[0].payload));
  });
});
