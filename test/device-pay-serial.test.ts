// The daemon's DeviceSigner payer methods (SerialDeviceSigner.payInvoice /
// payFailed over DeviceClient, host/device-client/payer-requests.ts) against
// the emulator CLI over its PTY with the real serialport binding: a request
// signed by the device with its payer key (signBolt12 with the metadata as
// tweak), its invoice paid, the second payment refused with the rule named in
// the error, a forged failure refused, a failure made at the route's
// introduction hop (with the secret it finds with its own key) decoded by the
// device and releasing the part, and a retry accepted. In-process detail: test/device-pay-invoice.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as P from '../shared/protocol.js';
import { spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import { SerialDeviceSigner } from '../host/daemon/serial-device.js';
import { DeviceError } from '../host/transport/errors.js';
import { x } from './helpers/bytes.js';
import { tmp } from './helpers/device-requests.js';
import { HSM_SECRET, NODE_ID } from './helpers/merchant.js';
import { OTHER_PRIV, failureAt, hopPrivs, hopSecrets, invoice, offerRecs, route, unsignedRequest, type Req } from './helpers/payer.js';

let emu: SpawnedEmulator | undefined;
let dev: SerialDeviceSigner;
beforeAll(async () => {
  emu = await spawnEmulator(['--state', tmp(), '--hsm-secret', x(HSM_SECRET)]);
  dev = await SerialDeviceSigner.open(emu.path);
}, 20000);
afterAll(async () => {
  await dev?.close();
  await emu?.stop();
});

describe('DeviceSigner.payInvoice / payFailed over the serial line', () => {
  it('pays an invoice for a request the device signed; refuses it twice (the rule named); a verified failure frees a retry', async () => {
    expect(x((await dev.getInfo()).nodeId)).toBe(x(NODE_ID));
    // The request signed through the daemon's signBolt12 (payer key of the metadata).
    const u = unsignedRequest(offerRecs(5000n));
    const req: Req = { ...u, signature: await dev.signBolt12({ messageName: 'invoice_request', fieldName: 'signature', tlv: u.tlv, tweak: u.meta }) };
    const inv = invoice(req, 5000n);
    const r = route(inv.path, 5000n);
    const part = (partId: bigint) => ({ invoice: inv.tlv, invreqSignature: req.signature, partId, firstHopAmountMsat: r.firstAmountMsat, hops: r.hops });
    const built = await dev.payInvoice(part(1n));
    expect(built.onion).toHaveLength(P.ONION_PACKET_SIZE);
    expect(Object.keys(built).sort()).toEqual(['onion', 'partRef']);
    const ss = hopSecrets(built.onion, hopPrivs(inv.path), inv.paymentHash);
    expect(ss).toHaveLength(3);

    const twice = await dev.payInvoice(part(2n)).catch((e) => e);
    expect(twice).toBeInstanceOf(DeviceError);
    expect([twice.status, twice.detail]).toEqual([P.ERR_PAY_RULE, P.PAY_RULE_ONCE]);
    expect(twice.message).toMatch(/pay rule 8: the invoice is already paid or being paid/);

    // Forged with a wrong key at the introduction hop.
    const wrong = hopSecrets(built.onion, [hopPrivs(inv.path)[0], OTHER_PRIV], inv.paymentHash);
    const forged = await dev.payFailed(part(1n), failureAt(wrong, 1, Uint8Array.of(0x10, 0x07))).catch((e) => e);
    expect(forged).toBeInstanceOf(DeviceError);
    expect(forged.detail).toBe(P.PAY_RULE_FAILURE | (3 << 8));
    expect(forged.message).toMatch(/failure onion does not verify/);

    expect(await dev.payFailed(part(1n), failureAt(ss, 1, Uint8Array.of(0x10, 0x07))))
      .toEqual({ erringIndex: 1, failcode: 0x1007, failureMessage: Uint8Array.of(0x10, 0x07) });
    const retry = await dev.payInvoice(part(2n));
    expect(x(retry.partRef)).not.toBe(x(built.partRef));
  });
});
