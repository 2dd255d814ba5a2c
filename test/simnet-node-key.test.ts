// `simnet --node0-hsm-secret`: node 0's key is Core Lightning's node key for
// that hsm_secret (host/simnet/node-key.ts), checked against CLN's own key
// derivation vectors (the 32-byte secret hsmd derives the node key from), and
// the rest of the seeded network is unchanged by it.
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { clnNodeSecret } from '../host/simnet/node-key.js';
import { Network } from '../host/simnet/network.js';
import { parseSimnetArgs } from '../host/cli/simnet.js';
import { secp } from '../host/crypto/noble.js';
import { keyVectors } from './helpers/e2e.js';
import { HSM_SECRET, NODE_ID } from './helpers/merchant.js';

describe('simnet node 0 from an hsm_secret', () => {
  it('derives CLN\'s node key (HKDF-SHA256, salt u32le 0, info "nodeid") for every key vector', () => {
    const cases = keyVectors.key_cases.filter((c: Record<string, string>) => c['secret_data_hex (BIP39 seed, 64 bytes)']);
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      // hsmd's 32-byte secret: the legacy file, or the first half of the BIP39 seed
      const secret = hexToBytes(c['secret_data_hex (BIP39 seed, 64 bytes)']).slice(0, 32);
      expect(bytesToHex(clnNodeSecret(secret))).toBe(c.node_privkey_hex);
      expect(bytesToHex(secp.getPublicKey(clnNodeSecret(secret), true))).toBe(c.node_id);
    }
    expect(() => clnNodeSecret(new Uint8Array(31))).toThrow(/32-byte/);
  });

  it('--node0-hsm-secret replaces node 0\'s key only; every other key and channel is the seed\'s', () => {
    const a = parseSimnetArgs(['--data-dir', '/tmp/x', '--seed', 's', '--node0-hsm-secret', bytesToHex(HSM_SECRET)]);
    expect(bytesToHex(secp.getPublicKey(a.node0Secret!, true))).toBe(bytesToHex(NODE_ID));
    expect(() => parseSimnetArgs(['--data-dir', '/tmp/x', '--node0-hsm-secret', 'abcd'])).toThrow(/64 hex digits/);
    const plain = new Network({ nodes: 4, seed: 's' });
    const given = new Network({ nodes: 4, seed: 's', node0Secret: a.node0Secret });
    expect(given.nodes[0].id).toBe(bytesToHex(NODE_ID));
    expect(given.nodes.slice(1).map((n) => n.id)).toEqual(plain.nodes.slice(1).map((n) => n.id));
    // the same channels and policies (sides are ordered by node id, BOLT 7, so compare them by node)
    const shape = (n: Network) => JSON.stringify(n.channels.map((c) => ({ scid: c.scid, cap: c.capacityMsat, sides: [...c.sides].sort((x, y) => x.node - y.node) })),
      (_, v) => (typeof v === 'bigint' ? String(v) : v));
    expect(shape(given)).toBe(shape(plain));
  });
});
