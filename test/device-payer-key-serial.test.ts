// payer_key (0x2A) over the PTY with the real serialport binding, against the
// emulator CLI: DeviceClient.payerKey and the payer flow's devicePayerKey
// (host/payer/payer-key.ts) give Core Lightning's fetchinvoice payer id and a
// series' metadata; a refused payload is ERR_BAD_PAYLOAD and the device keeps
// serving; the host refuses a reply that is not a valid public key (no secret
// needed to check it). In-process detail: test/device-payer-key.test.ts.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import type { DeviceClient } from '../host/device-client/client.js';
import { decodePayerKeyReply } from '../host/device-client/payer-key-requests.js';
import { devicePayerKey } from '../host/payer/payer-key.js';
import type { DeviceSigner } from '../host/daemon/device-signer.js';
import { DeviceError } from '../host/transport/errors.js';
import { RpcError } from '../host/rpc/errors.js';
import { ascii, cat, h, x } from './helpers/bytes.js';
import { keyCases, payerKeyRef, vectors } from './helpers/device-requests.js';
import { serialDevice } from './helpers/serial-device.js';

const K = keyCases[0];
const V = vectors.key_cases[0];
const EX = V.payer_key_examples[0];

let c: DeviceClient;
serialDevice(K.file, (client) => (c = client));

describe('payer_key over the serial line', () => {
  it("mode 1: Core Lightning's fetchinvoice payer id for its metadata", async () => {
    const r = await c.payerKey({ metadata: h(EX.invreq_metadata_hex) });
    expect(x(r.payerId)).toBe(EX.invreq_payer_id);
    expect(x(r.metadata)).toBe(EX.invreq_metadata_hex);
  });

  it('mode 2 through the payer flow: metadata = SHA256(base ‖ offer_id ‖ label) and its payer id', async () => {
    const signer = { payerKey: (q) => c.payerKey(q) } as Pick<DeviceSigner, 'payerKey'> as DeviceSigner;
    const offerId = sha256(ascii('serial offer'));
    const r = await devicePayerKey(signer, { offerId, recurrenceLabel: 'rent' });
    const meta = sha256(cat(h(V.makesecret['node-alias-base']), offerId, ascii('rent')));
    expect(x(r.metadata)).toBe(x(meta));
    expect(x(r.payerId)).toBe(payerKeyRef(K.secretData, K.nodePriv, meta).id);
  });

  it('a payload the device refuses: ERR_BAD_PAYLOAD (not resent as a timeout), then it keeps serving', async () => {
    for (const p of [Uint8Array.of(9), cat(Uint8Array.of(2), new Uint8Array(32 + P.PAYER_KEY_LABEL_MAX + 1))]) {
      const e = await c.transport.request(P.MSG_PAYER_KEY, p).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(DeviceError);
      expect((e as DeviceError).status).toBe(P.ERR_BAD_PAYLOAD);
    }
    expect(x((await c.payerKey({ metadata: h(EX.invreq_metadata_hex) })).payerId)).toBe(EX.invreq_payer_id);
    // The client refuses to send what the device would refuse.
    await expect(c.payerKey({ offerId: new Uint8Array(32), recurrenceLabel: 'x'.repeat(P.PAYER_KEY_LABEL_MAX + 1) })).rejects.toThrow(/at most 1024 bytes/);
  });

  it('the host checks the reply without any secret: its size, a valid point, the metadata it asked for', async () => {
    const q = { metadata: h('01') };
    const good = await c.payerKey(q);
    expect(() => decodePayerKeyReply(q, good.payerId)).not.toThrow();
    expect(() => decodePayerKeyReply(q, cat(good.payerId, Uint8Array.of(0)))).toThrow(/33/);
    const notOnCurve = Uint8Array.from(good.payerId);
    notOnCurve[0] = 4;
    expect(() => decodePayerKeyReply(q, notOnCurve)).toThrow(/not a valid public key/);
    const offCurve = cat(Uint8Array.of(2), new Uint8Array(32).fill(0xff)); // x ≥ p
    expect(() => decodePayerKeyReply({ offerId: new Uint8Array(32), recurrenceLabel: '' }, cat(new Uint8Array(32), offCurve))).toThrow(/not a valid public key/);
    // A device that answers another metadata, or a non-point, is refused by the payer flow.
    const lying = (r: { metadata: Uint8Array; payerId: Uint8Array }) => ({ payerKey: async () => r }) as unknown as DeviceSigner;
    await expect(devicePayerKey(lying({ metadata: h('02'), payerId: good.payerId }), q)).rejects.toThrow(RpcError);
    await expect(devicePayerKey(lying({ metadata: h('01'), payerId: offCurve }), q)).rejects.toThrow(/not a valid public key/);
    expect(x((await devicePayerKey(lying(good), q)).payerId)).toBe(x(good.payerId));
  });
});
