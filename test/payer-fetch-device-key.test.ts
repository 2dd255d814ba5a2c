// fetchinvoice when the device holds ANOTHER secret than lightningd (device
// key mode: a device provisioned with its own hsm_secret, as after
// `provision generate`): the payer keys come from the device (payer_key
// 0x2A), not from lightningd's makesecret, so requests are signed and the
// merchants answer. Same set-up as test/payer-fetch-simnet.test.ts (the
// plugin under `lnsigner simnet --plugin`, the emulator on a PTY), except that
// the emulator's --hsm-secret differs from --node0-hsm-secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { secp } from '../host/crypto/noble.js';
import { spawnAnnounced, type AnnouncedProcess } from '../host/process/announced.js';
import { LightningRpcClient } from '../host/node/client.js';
import { checkSignature, decodeBolt12String, parseInvoice, parseInvoiceRequest, offerId } from '../host/bolt12/index.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { removeTempDirs, startEmulator, tempDir } from './helpers/e2e.js';
import { HSM_SECRET } from './helpers/merchant.js';

const PLUGIN = join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js');
const enc = new TextEncoder();
/** lightningd's node 0 runs on HSM_SECRET; the device on this one. */
const DEVICE_SECRET = sha256(enc.encode('lnsigner payer-key device, not the node'));

// Independent model (cln-rpc-digest §7.2–§7.4) from a 32-byte hsm_secret.
function keysOf(hsm: Uint8Array) {
  const priv = hkdf(sha256, hsm, new Uint8Array(4), enc.encode('nodeid'), 32);
  const base = hkdf(sha256, hkdf(sha256, hsm, undefined, enc.encode('derived secrets'), 32), undefined, enc.encode('node-alias-base'), 32);
  const nodeId = secp.getPublicKey(priv, true);
  const payerId = (metadata: Uint8Array) => {
    const t = BigInt('0x' + bytesToHex(sha256(concatBytes(base, metadata)))) % secp.Point.CURVE().n;
    return bytesToHex(secp.Point.fromBytes(nodeId).add(secp.Point.BASE.multiply(t)).toBytes(true));
  };
  return { nodeId, base, payerId };
}
const DEVICE = keysOf(DEVICE_SECRET);
const NODE0 = keysOf(HSM_SECRET);

let emu: SpawnedEmulator;
let sim: AnnouncedProcess<{ rpc_file: string }>;
let ld: LightningRpcClient;
let lns: LightningRpcClient;
let ids: string[];

beforeAll(async () => {
  const dir = tempDir('lns-fetch-devkey-');
  const started = await startEmulator(dir, true, bytesToHex(DEVICE_SECRET));
  emu = started.emu;
  sim = await spawnAnnounced('simnet', [
    '--data-dir', join(dir, 'ln'), '--nodes', '5', '--seed', 'payer-fetch-device-key', '--node0-hsm-secret', bytesToHex(HSM_SECRET),
    '--plugin', PLUGIN, '--plugin-option', `lnsigner-device=${started.link}`, '--plugin-option', `lnsigner-data-dir=${join(dir, 'lns')}`,
  ]);
  ld = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 60_000 });
  lns = new LightningRpcClient(((await ld.call('lnsigner-getinfo')) as { rpc_file: string }).rpc_file, { timeoutMs: 60_000 });
  ids = ((await ld.call('dev-simnet-nodes')) as { nodes: { id: string }[] }).nodes.map((n) => n.id);
}, 120_000);
afterAll(async () => {
  ld?.close();
  lns?.close();
  await sim?.kill();
  await emu?.stop();
  removeTempDirs();
});

const offer = async (node: number, p: Record<string, unknown>) =>
  ((await ld.call('dev-simnet-offer', { node: ids[node], description: 'simnet goods', ...p })) as { offer: string }).offer;
const fetch = (p: Record<string, unknown>) => lns.call('fetchinvoice', { timeout: 30, ...p }) as Promise<{ invoice: string; next_period?: { counter: number } }>;
const status = async (node: number, hash: string) => ((await ld.call('dev-simnet-invoice-status', { node: ids[node], payment_hash: hash })) as { status: string }).status;

/** The invoice is for a request the DEVICE's payer key signed; paid from node 0, the merchant sees it paid. */
async function checkAndPay(lno: string, invoice: string, merchant: number) {
  const inv = parseInvoice(decodeBolt12String(invoice).bytes);
  checkSignature(inv);
  const f = inv.fields;
  expect(bytesToHex(offerId(inv.records))).toBe(bytesToHex(offerId(decodeBolt12String(lno).bytes)));
  expect(bytesToHex(f.invreq_payer_id!)).toBe(DEVICE.payerId(f.invreq_metadata!));
  // Not what lightningd's makesecret would have given (the old host derivation).
  expect(bytesToHex(f.invreq_payer_id!)).not.toBe(NODE0.payerId(f.invreq_metadata!));
  const hash = bytesToHex(f.invoice_payment_hash!);
  await ld.call('dev-simnet-pay', { node: ids[0], invoice });
  expect(await status(merchant, hash)).toBe('paid');
  return inv;
}

describe('fetchinvoice with a device on another secret than lightningd', () => {
  it('the set-up: the device is not node 0, and lightningd\'s node-alias-base is not the device\'s', async () => {
    expect(ids[0]).toBe(bytesToHex(NODE0.nodeId));
    const info = (await lns.call('getinfo')) as Record<string, unknown>;
    expect(JSON.stringify(info)).toContain(bytesToHex(DEVICE.nodeId));
    expect(bytesToHex(DEVICE.nodeId)).not.toBe(ids[0]);
    const ms = (await ld.call('makesecret', { string: 'node-alias-base' })) as { secret: string };
    expect(ms.secret).toBe(bytesToHex(NODE0.base));
    expect(ms.secret).not.toBe(bytesToHex(DEVICE.base));
  }, 30_000);

  it('a one-off offer: the request carries the device\'s payer key, the merchant answers, the invoice is paid', async () => {
    const lno = await offer(2, { amount_msat: 12_000 });
    const got = await fetch({ offer: lno, payer_note: 'device key' });
    const inv = await checkAndPay(lno, got.invoice, 2);
    expect(inv.fields.invreq_metadata!.length).toBe(16);
    expect(inv.fields.invreq_payer_note).toBe('device key');
    // payer_metadata given: its payer id, from the device.
    const meta = hexToBytes('0102030405');
    const chosen = parseInvoice(decodeBolt12String((await fetch({ offer: lno, payer_metadata: '0102030405' })).invoice).bytes);
    expect(bytesToHex(chosen.fields.invreq_metadata!)).toBe('0102030405');
    expect(bytesToHex(chosen.fields.invreq_payer_id!)).toBe(DEVICE.payerId(meta));
  }, 120_000);

  it('a recurring offer through a blinded path: metadata = SHA256(device base ‖ offer_id ‖ label), one payer id per series; cancel', async () => {
    const lno = await offer(3, { amount_msat: 5_000, recurrence: '1hour', paths: 2 });
    const id = offerId(decodeBolt12String(lno).bytes);
    const p0 = await fetch({ offer: lno, recurrence_counter: 0, recurrence_label: 'rent' });
    const i0 = await checkAndPay(lno, p0.invoice, 3);
    expect(bytesToHex(i0.fields.invreq_metadata!)).toBe(bytesToHex(sha256(concatBytes(DEVICE.base, id, enc.encode('rent')))));
    expect(p0.next_period?.counter).toBe(1);
    const p1 = await fetch({ offer: lno, recurrence_counter: 1, recurrence_label: 'rent' });
    const i1 = await checkAndPay(lno, p1.invoice, 3);
    expect(bytesToHex(i1.fields.invreq_payer_id!)).toBe(bytesToHex(i0.fields.invreq_payer_id!));
    const c = (await lns.call('cancelrecurringinvoice', { offer: lno, recurrence_counter: 2, recurrence_label: 'rent' })) as { bolt12: string };
    const cr = parseInvoiceRequest(decodeBolt12String(c.bolt12).bytes);
    expect(bytesToHex(cr.fields.invreq_payer_id!)).toBe(bytesToHex(i0.fields.invreq_payer_id!));
    checkSignature(cr);
  }, 180_000);
});
