// BOLT 4 vectors against the host's @noble Sphinx (host/onion/sphinx.ts), the one the simulator peels with:
// onion-test.json (build byte for byte, then peel every hop with the
// vector's hop keys) and onion-error-test.json (failure onion byte for byte,
// then decoding at the origin).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildOnion,
  createFailureOnion,
  decodeFailureOnion,
  deriveKey,
  peel,
  sharedSecrets,
  wrapFailureOnion,
  FAIL_INVALID_ONION_HMAC,
  FAIL_INVALID_ONION_KEY,
  FAIL_INVALID_ONION_VERSION,
} from '../host/onion/sphinx.js';
import { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';

const vec = (f: string) => JSON.parse(readFileSync(join(__dirname, 'vectors', f), 'utf8'));
const onionVec = vec('onion-test.json');
const errVec = vec('onion-error-test.json');

const hopSecrets: string[] = onionVec.decode;
const sessionKey = fromHex(onionVec.generate.session_key);
const ad = fromHex(onionVec.generate.associated_data);
const hops = (onionVec.generate.hops as { pubkey: string; payload: string }[]).map((h) => ({ pubkey: fromHex(h.pubkey), payload: fromHex(h.payload) }));

describe('onion-test.json', () => {
  it('builds the vector onion byte for byte', () => {
    const { onion } = buildOnion(sessionKey, hops, ad);
    expect(toHex(onion)).toBe(onionVec.onion);
  });

  it('peels the vector onion at every hop with that hop\'s key', () => {
    let packet = fromHex(onionVec.onion);
    for (let i = 0; i < hops.length; i++) {
      const r = peel(packet, fromHex(hopSecrets[i]), ad);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      // The payload in the vector carries its BigSize length prefix; peel returns the TLV body.
      const full = hops[i].payload;
      expect(toHex(full)).toMatch(new RegExp(`${toHex(r.payload)}$`));
      expect(r.payload.length).toBeLessThan(full.length);
      expect(toHex(r.sharedSecret)).toBe(toHex(sharedSecrets(sessionKey, hops.map((h) => h.pubkey))[i]));
      expect(r.final).toBe(i === hops.length - 1);
      if (!r.final) packet = r.next;
    }
  });

  it('rejects a wrong key, a flipped byte, a bad version and a bad point as BADONION', () => {
    const onion = fromHex(onionVec.onion);
    const wrongKey = peel(onion, fromHex(hopSecrets[1]), ad);
    expect(wrongKey.ok).toBe(false);
    if (!wrongKey.ok) {
      expect(wrongKey.code).toBe(FAIL_INVALID_ONION_HMAC);
      expect(toHex(wrongKey.sha256OfOnion)).toBe(toHex(sha256(onion)));
    }
    const flipped = Uint8Array.from(onion);
    flipped[100] ^= 1;
    expect(peel(flipped, fromHex(hopSecrets[0]), ad)).toMatchObject({ ok: false, code: FAIL_INVALID_ONION_HMAC });
    const wrongAd = peel(onion, fromHex(hopSecrets[0]), new Uint8Array(32));
    expect(wrongAd).toMatchObject({ ok: false, code: FAIL_INVALID_ONION_HMAC });
    const v1 = Uint8Array.from(onion);
    v1[0] = 1;
    expect(peel(v1, fromHex(hopSecrets[0]), ad)).toMatchObject({ ok: false, code: FAIL_INVALID_ONION_VERSION });
    const badKey = Uint8Array.from(onion);
    badKey[1] = 0x05;
    expect(peel(badKey, fromHex(hopSecrets[0]), ad)).toMatchObject({ ok: false, code: FAIL_INVALID_ONION_KEY });
  });
});

describe('onion-error-test.json', () => {
  const eh = errVec.generate.hops as { hop_shared_secret: string; ammag_key: string; um_key?: string; payload?: string }[];
  const secrets = eh.map((h) => fromHex(h.hop_shared_secret));

  it('derives the vector um and ammag keys', () => {
    for (const h of eh) expect(toHex(deriveKey('ammag', fromHex(h.hop_shared_secret)))).toBe(h.ammag_key);
    expect(toHex(deriveKey('um', secrets[4]))).toBe(eh[4].um_key);
  });

  it('builds the failure onion at hop 4 and wraps it back to the origin byte for byte', () => {
    let packet = createFailureOnion(secrets[4], fromHex(errVec.generate.failure_message));
    // The unobfuscated packet is HMAC ‖ the vector's payload.
    const plain = wrapFailureOnion(secrets[4], packet);
    expect(toHex(plain.subarray(32))).toBe(eh[4].payload);
    for (let i = 3; i >= 0; i--) packet = wrapFailureOnion(secrets[i], packet);
    expect(toHex(packet)).toBe(errVec.errorpacket);
  });

  it('decodes the vector error packet at the origin: hop 4, temporary_node_failure', () => {
    const d = decodeFailureOnion(secrets, fromHex(errVec.errorpacket));
    expect(d).toBeDefined();
    expect(d!.index).toBe(4);
    expect(toHex(d!.failuremsg)).toBe('2002');
    // Without hop 4's secret nobody's HMAC matches.
    expect(decodeFailureOnion(secrets.slice(0, 4), fromHex(errVec.errorpacket))).toBeUndefined();
  });
});
