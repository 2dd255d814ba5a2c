// provision, wipe and ecdh over the PTY with the real serialport binding,
// against the emulator CLI: every key case of cln-key-derivation-vectors.json
// gives its node id and payer ids, the state survives restarts, and every
// refusal gives its error while the device keeps serving.
// Rules: docs/protocol.md "provision", "wipe", "ecdh"; CLN RPC digest §7.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import * as K from '../shared/keys-status.js';
import { PROV_MAGIC, PROV_RECORD_SIZE } from '../shared/board.js';
import { spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import { DeviceClient } from '../host/device-client/client.js';
import { secp } from '../host/crypto/noble.js';
import { ascii, cat, h, x } from './helpers/bytes.js';
import { INVREQ, keyCases, payerKeyRef, refused, sv, tmp, unsigned, withRecord } from './helpers/device-requests.js';

const running: SpawnedEmulator[] = [];
const clients: DeviceClient[] = [];
async function device(args: string[]) {
  // The board approves every prompt: this file is about provisioning itself
  // (the prompts are test/device-confirm.test.ts's subject).
  const e = await spawnEmulator([...args, '--confirm', 'approve']);
  running.push(e);
  const c = await DeviceClient.open(e.path, { timeoutMs: 5000 });
  clients.push(c);
  return { e, c };
}
async function stopAll() {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((e) => e.stop()));
}

describe('provision from every key case, then wipe (one device)', () => {
  let c: DeviceClient;
  beforeAll(async () => {
    ({ c } = await device(['--state', tmp()]));
  });
  afterAll(stopAll);

  for (const k of keyCases) {
    it(`${k.name}: node id, payer ids, signature; wipe`, async () => {
      const { nodeId } = await c.provision({ hsmSecret: k.file, passphrase: k.passphrase, network: 'regtest' });
      expect(x(nodeId)).toBe(k.nodeId);
      const info = await c.getInfo();
      expect(info.provisioned).toBe(true);
      expect(info.nodeId).toBe(k.nodeId);
      expect(info.network).toBe('regtest');
      // Payer ids: the vector's own examples, and one more metadata for every case
      // (expected value from an independent @noble derivation, digest §7.4).
      const examples = [...k.payerExamples];
      const m = h('0123456789abcdef0123456789abcdef');
      examples.push({ metadata: x(m), payerId: payerKeyRef(k.secretData, k.nodePriv, m).id });
      for (const p of examples) {
        const tlv = withRecord(withRecord(unsigned(INVREQ), 0n, h(p.metadata)), 88n, h(p.payerId));
        const s = await c.signBolt12('invoice_request', tlv);
        expect(s.keyKind).toBe('payer');
        expect(x(s.publicKey)).toBe(p.payerId);
      }
      // The node key itself: an invoice_request whose payer id is the node id
      // (invoices are signed only by sign_invoice, test/device-merchant.test.ts).
      const s = await c.signBolt12('invoice_request', withRecord(unsigned(INVREQ), 88n, h(k.nodeId)));
      expect(s.keyKind).toBe('node');
      expect(x(s.publicKey)).toBe(k.nodeId);
      // Rule: wipe names the node id (and the board approves); afterwards nothing needs a secret.
      await c.wipe(nodeId);
      const after = await c.getInfo();
      expect(after.provisioned).toBe(false);
      expect(after.nodeId).toBe(null);
      await refused(c.signBolt12('invoice_request', unsigned(INVREQ)), P.ERR_NOT_PROVISIONED);
    });
  }
});

describe('provisioning state, refusals and ecdh', () => {
  afterEach(stopAll);
  const L2 = keyCases[1];
  const L1LEGACY = keyCases[3];

  it('survives a restart; the flash record holds no secret_data; re-provisioning is refused', async () => {
    const state = tmp();
    let { e, c } = await device(['--state', state]);
    await refused(c.getInfo().then(() => c.wipe(h(L2.nodeId))), P.ERR_NOT_PROVISIONED);
    await c.provision({ hsmSecret: L2.file, network: 'testnet' });
    // Rule: refused once provisioned, even with the same or another secret.
    await refused(c.provision({ hsmSecret: L2.file }), P.ERR_ALREADY_PROVISIONED);
    await refused(c.provision({ generate: true }), P.ERR_ALREADY_PROVISIONED);
    await c.close();
    await e.stop();
    // Only node key, alias base and node id are stored: neither the file nor secret_data.
    const flash = readFileSync(join(state, 'secret.bin'));
    expect(flash.readUInt32LE(0)).toBe(PROV_MAGIC);
    expect(flash.subarray(PROV_RECORD_SIZE).every((b) => b === 0xff)).toBe(true);
    expect(Buffer.from(flash).includes(Buffer.from(L2.secretData.subarray(0, 16)))).toBe(false);
    expect(Buffer.from(flash).includes(Buffer.from(L2.file.subarray(32, 48)))).toBe(false);
    ({ e, c } = await device(['--state', state]));
    const info = await c.getInfo();
    expect(info).toMatchObject({ provisioned: true, nodeId: L2.nodeId, network: 'testnet', bootCount: 2 });
    const s = await c.signBolt12('invoice_request', unsigned(INVREQ));
    expect(x(s.signature)).toBe(sv[0]['signature_hex (BIP340, aux_rand = 32 zero bytes)']);
    // --hsm-secret on a provisioned device leaves it as it is.
    await c.close();
    await e.stop();
    ({ e, c } = await device(['--state', state, '--hsm-secret', x(L1LEGACY.file)]));
    expect((await c.getInfo()).nodeId).toBe(L2.nodeId);
    expect(e.stderr()).toMatch(/already provisioned; --hsm-secret ignored/);
    // wipe, and the partition is erased.
    await c.wipe(L2.nodeId);
    await c.close();
    await e.stop();
    expect(readFileSync(join(state, 'secret.bin')).every((b) => b === 0xff)).toBe(true);
  });

  it('wipe naming another node id, or not exactly 33 bytes, is refused and the secret stays', async () => {
    const { c } = await device(['--state', tmp(), '--hsm-secret', x(L1LEGACY.file)]);
    // Rule: the payload must be exactly the current node id.
    await refused(c.wipe(h(L2.nodeId)), P.ERR_WIPE_CONFIRM);
    await refused(c.transport.request(P.MSG_WIPE, new Uint8Array(32)), P.ERR_BAD_PAYLOAD);
    await refused(c.transport.request(P.MSG_WIPE, Uint8Array.from([...h(L1LEGACY.nodeId), 0])), P.ERR_BAD_PAYLOAD);
    expect((await c.getInfo()).nodeId).toBe(L1LEGACY.nodeId);
    await c.wipe(L1LEGACY.nodeId);
    // Provisioning again after a wipe is allowed.
    expect(x((await c.provision({ hsmSecret: L2.file })).nodeId)).toBe(L2.nodeId);
  });

  it('refuses bad hsm_secret files and payloads with their codes, and keeps serving', async () => {
    const { c } = await device(['--state', tmp()]);
    const L6 = keyCases[6]; // mnemonic with passphrase "test_passphrase"
    const words = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon';
    const cases: [string, Promise<unknown>, number, number?][] = [
      ['short file', c.provision({ hsmSecret: new Uint8Array(31) }), P.ERR_HSM_SECRET, K.KEYS_ERR_FORMAT],
      ['encrypted file', c.provision({ hsmSecret: new Uint8Array(73).fill(1) }), P.ERR_HSM_SECRET, K.KEYS_ERR_ENCRYPTED],
      ['bad checksum', c.provision({ hsmSecret: cat(new Uint8Array(32), ascii(words)) }), P.ERR_HSM_SECRET, K.KEYS_ERR_MNEMONIC_CHECKSUM],
      ['passphrase missing', c.provision({ hsmSecret: L6.file }), P.ERR_HSM_SECRET, K.KEYS_ERR_PASSPHRASE_REQUIRED],
      ['wrong passphrase', c.provision({ hsmSecret: L6.file, passphrase: 'test_passphrasf' }), P.ERR_HSM_SECRET, K.KEYS_ERR_WRONG_PASSPHRASE],
      ['passphrase for a legacy file', c.provision({ hsmSecret: keyCases[3].file, passphrase: 'x' }), P.ERR_HSM_SECRET, K.KEYS_ERR_PASSPHRASE_NOT_NEEDED],
      ['empty payload', c.transport.request(P.MSG_PROVISION, new Uint8Array(0)), P.ERR_BAD_PAYLOAD],
      ['unknown mode', c.transport.request(P.MSG_PROVISION, Uint8Array.of(9, P.NET_BITCOIN)), P.ERR_BAD_PAYLOAD, P.PROVISION_OFF_MODE],
      ['network 0', c.transport.request(P.MSG_PROVISION, Uint8Array.of(P.PROVISION_GENERATE, 0)), P.ERR_BAD_PAYLOAD, P.PROVISION_OFF_NETWORK],
      ['network 5', c.transport.request(P.MSG_PROVISION, Uint8Array.of(P.PROVISION_GENERATE, 5)), P.ERR_BAD_PAYLOAD, P.PROVISION_OFF_NETWORK],
      ['file length beyond the payload', c.transport.request(P.MSG_PROVISION, Uint8Array.of(P.PROVISION_HSM_SECRET_PASSPHRASE, 1, 40, 0, 1, 2)), P.ERR_BAD_PAYLOAD],
    ];
    for (const [name, p, status, detail] of cases) {
      const e = await refused(p, status, detail).catch((err) => { throw new Error(`${name}: ${err.message}`); });
      expect(e.status, name).toBe(status);
    }
    // Rule: requests that need the secret are refused until there is one.
    await refused(c.ecdh(h(L2.nodeId)), P.ERR_NOT_PROVISIONED);
    await refused(c.signBolt12('invoice_request', unsigned(INVREQ)), P.ERR_NOT_PROVISIONED);
    expect((await c.getInfo()).provisioned).toBe(false);
    // The passphrase case provisions with the right passphrase.
    expect(x((await c.provision({ hsmSecret: L6.file, passphrase: 'test_passphrase' })).nodeId)).toBe(L6.nodeId);
  });

  it('generate: the device draws its own secret; a usable node id, different each time', async () => {
    const { c } = await device(['--state', tmp()]);
    const a = (await c.provision({ generate: true, network: 'signet' })).nodeId;
    expect(() => secp.Point.fromBytes(a)).not.toThrow();
    expect(await c.getInfo()).toMatchObject({ provisioned: true, nodeId: x(a), network: 'signet' });
    const s = await c.signBolt12('invoice_request', withRecord(unsigned(INVREQ), 88n, a));
    expect(x(s.publicKey)).toBe(x(a));
    await c.wipe(a);
    const b = (await c.provision({ generate: true })).nodeId;
    expect(x(b)).not.toBe(x(a));
  });

  it('ecdh: SHA-256 of the compressed shared point with the node key; bad points refused', async () => {
    const { c } = await device(['--state', tmp(), '--hsm-secret', x(L2.file)]);
    for (const k of [keyCases[0], keyCases[3], keyCases[5]]) {
      const point = h(k.nodeId);
      const want = sha256(secp.getSharedSecret(L2.nodePriv, point, true));
      expect(x(await c.ecdh(point))).toBe(x(want));
    }
    // Rule: an invalid point is an error (detail: SECP_ERR_PUBKEY = 4).
    const notOnCurve = cat(Uint8Array.of(2), new Uint8Array(32).fill(0xff)); // x >= p
    const badPrefix = cat(Uint8Array.of(4), h(L2.nodeId).subarray(1));
    const xNotOnCurve = h('02' + '00'.repeat(31) + '05');
    for (const p of [notOnCurve, badPrefix, xNotOnCurve, new Uint8Array(33)]) {
      await refused(c.ecdh(p), P.ERR_ECDH_POINT, 4);
    }
    await refused(c.transport.request(P.MSG_ECDH, new Uint8Array(32)), P.ERR_BAD_PAYLOAD);
    expect(await c.ping(Uint8Array.of(7))).toEqual(Uint8Array.of(7));
  });

  it('--hsm-secret with a file the firmware refuses: the emulator does not start', async () => {
    const bad = x(cat(new Uint8Array(32), ascii('abandon '.repeat(11) + 'abandon')));
    await expect(spawnEmulator(['--state', tmp(), '--hsm-secret', bad])).rejects.toThrow(/ERR_HSM_SECRET, detail 7/);
  });
});
