// blinded_path, onion_message (+ onion_message_read) and build_onion into a
// blinded path over the PTY with the real serialport binding, against the
// emulator CLI and DeviceClient: the BOLT 4 vectors byte for byte, a
// 32834-byte onion message read out in chunks and peeled to its end, and a
// refusal with its detail after which the device keeps serving.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import type { DeviceClient } from '../host/device-client/client.js';
import { peel } from '../host/onion/sphinx.js';
import { secp } from '../host/crypto/noble.js';
import { ascii, h, rec, tlvRecords, vector, x } from './helpers/bytes.js';
import { keyCases, refused } from './helpers/device-requests.js';
import { serialDevice } from './helpers/serial-device.js';
import { blindingKeys, unblindHop } from '../host/blinding/index.js';

const RB = vector('route-blinding-test.json');
const OM = vector('blinded-onion-message-onion-test.json');
const BP = vector('blinded-payment-onion-test.json');
const K = keyCases[0];

let c: DeviceClient;
serialDevice(K.file, (client) => (c = client));

const nodes = Array.from({ length: 6 }, (_, i) => {
  const sk = sha256(ascii(`blinding serial node ${i}`));
  return { sk, pub: secp.getPublicKey(sk, true) };
});

describe('over the serial line', () => {
  it('blinded_path: route-blinding-test.json (Bob -> Carol, path secret 0x02)', async () => {
    const part = RB.generate.hops.slice(0, 2);
    const p = await c.blindedPath({ pathSecret: h(part[0].session_key), hops: part.map((hp: any) => ({ nodeId: h(hp.node_id), tlv: h(hp.encoded_tlvs) })) });
    expect(x(p.firstPathKey)).toBe(RB.route.first_path_key);
    expect(p.hops.map((hp) => x(hp.encryptedRecipientData))).toEqual(RB.route.hops.slice(0, 2).map((hp: any) => hp.encrypted_data));
    expect(p.hops.map((hp) => x(hp.blindedNodeId))).toEqual(RB.route.hops.slice(0, 2).map((hp: any) => hp.blinded_node_id));
  });

  it('onion_message: blinded-onion-message-onion-test.json, the 1366-byte packet', async () => {
    const m = await c.onionMessage({
      ourRoute: [h(OM.route.first_node_id)],
      path: {
        firstNodeId: { pubkey: h(RB.generate.hops[0].node_id) }, firstPathKey: h(OM.generate.hops[1].E),
        hops: OM.route.hops.slice(1).map((hp: any) => ({ blindedNodeId: h(hp.blinded_node_id), encryptedRecipientData: h(hp.encrypted_recipient_data) })),
      },
      finalPayload: h('010568656c6c6f'),
      keys: { sessionKey: h(OM.generate.session_key), pathSecret: h(OM.generate.hops[0].path_key_secret) },
    });
    expect(x(m.pathKey)).toBe(OM.route.first_path_key);
    expect(x(m.packet)).toBe(OM.onionmessage.onion_message_packet);
  });

  it('onion_message: a 32834-byte packet (device-derived keys) read in chunks and peeled to the end', async () => {
    const path = await c.blindedPath({ hops: [
      { nodeId: nodes[1].pub, tlv: rec(4, nodes[2].pub) }, { nodeId: nodes[2].pub, tlv: rec(6, h('0102')) },
    ] });
    const m = await c.onionMessage({ ourRoute: [nodes[0].pub], path, finalPayload: rec(64, new Uint8Array(4000).fill(9)) });
    expect(m.packet.length).toBe(32834);
    let packet = m.packet, pathKey = m.pathKey;
    const encs: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      // Each hop: blinded key from the path key, peel, then read its own data.
      const p = peel(packet, blindingKeys(nodes[i].sk, pathKey).blindedSecret, new Uint8Array(0), 32768);
      if (!p.ok) throw new Error(`hop ${i}: 0x${p.code.toString(16)}`);
      const enc = tlvRecords(p.payload).find((r) => r.type === 4n)!.value;
      encs.push(enc);
      // unblindHop applies next_path_key_override itself.
      pathKey = unblindHop(nodes[i].sk, pathKey, enc).nextPathKey;
      if (i < 2) { expect(p.final).toBe(false); if (!p.final) packet = p.next; }
      else {
        expect(p.final).toBe(true);
        expect(tlvRecords(p.payload).find((r) => r.type === 64n)!.value.length).toBe(4000);
      }
    }
    expect(x(encs[2])).toBe(x(path.hops[1].encryptedRecipientData));
  });

  it('build_onion: blinded-payment-onion-test.json (1 clear + 4 blinded hops) byte for byte', async () => {
    const un = (s: string) => { const b = h(s); return b.subarray(b[0] < 0xfd ? 1 : 3); };
    const o = await c.buildOnion({
      hops: BP.generate.full_route.hops.map((hp: any) => ({ pubkey: h(hp.pubkey), payload: un(hp.payload) })),
      paymentHash: h(BP.generate.associated_data), firstHopAmountMsat: 110125n, sessionKey: h(BP.generate.session_key),
    });
    expect(x(o.onion)).toBe(BP.generate.onion);
  });

  it('a refused encrypted_data_tlv (unknown even type) carries reason | hop << 8 | offset << 16; the device goes on', async () => {
    await refused(c.blindedPath({ hops: [{ nodeId: nodes[0].pub, tlv: rec(4, nodes[1].pub) }, { nodeId: nodes[1].pub, tlv: rec(20, h('00')) }] }),
      P.ERR_BLIND_TLV, P.BLIND_TLV_UNKNOWN_EVEN | (1 << 8) | (2 << 16));
    await refused(c.transport.request(P.MSG_ONION_MESSAGE_READ, h('00000100')), P.ERR_ONION_READ, 32834);
    expect(x(await c.ping(h('01')))).toBe('01');
  });
});
