// The merchant flow in the real plugin process (bin/lnsigner-plugin.js) under
// the simulated lightningd (`lnsigner simnet --plugin`), with the emulator on
// a PTY as the daemon's device (offer_create, payment_hash, sign_invoice,
// release_preimage through host/daemon/serial-device.ts). The emulator is
// provisioned with a 32-byte hsm_secret and the simnet takes node 0's key from
// the same hsm_secret (`--node0-hsm-secret`, Core Lightning's derivation), so
// lightningd's node (node 0, where the plugin runs) is the device's node: in
// node-key mode the issuer id, in device-key mode the end of every payment
// path (the device's rule 9). invoice_requests are handed to node 0's hook
// chain as lightningd would (dev-simnet-hook), or sent by the independent
// simulated payer (dev-simnet-fetchinvoice / dev-simnet-pay).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { secp } from '../host/crypto/noble.js';
import { spawnAnnounced, type AnnouncedProcess } from '../host/process/announced.js';
import { LightningRpcClient, LightningRpcError } from '../host/node/client.js';
import { checkSignature, decodeOffer, encodeBolt12String, parseInvoice, readTlvRecords } from '../host/bolt12/index.js';
import { unblindHop } from '../host/blinding/index.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { removeTempDirs, startEmulator, tempDir } from './helpers/e2e.js';
import { Payer } from './helpers/merchant-world.js';
import { HSM_SECRET, NODE_ID, NODE_PRIV, pathIdOf } from './helpers/merchant.js';

const PLUGIN = join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js');
const SEED = 'merchant-e2e';
const HSM_HEX = bytesToHex(HSM_SECRET);

/** Simulated node i's secret: node 0 is the device's node; the others come from
 *  the seed (host/simnet/network.ts SeedStream: node keys are drawn first, in order). */
function nodeSecret(i: number): Uint8Array {
  if (i === 0) return NODE_PRIV;
  const enc = new TextEncoder();
  let s = sha256(Uint8Array.from(Buffer.concat([enc.encode(`lnsigner simnet/node/${i}/`), enc.encode(SEED), Uint8Array.of(0, 0, 0, i)])));
  while (!secp.utils.isValidSecretKey(s)) s = sha256(s);
  return s;
}

/** The path_id our node reads from an offer's first path: its introduction node peels hop 0, node 0 opens hop 1. */
function offerPathSecret(bolt12: string, ids: string[]): Uint8Array {
  const p = decodeOffer(bolt12).fields.offer_paths![0];
  const intro = ids.indexOf(bytesToHex((p.firstNodeId as { pubkey: Uint8Array }).pubkey));
  const h0 = unblindHop(nodeSecret(intro), p.firstPathKey, p.hops[0].encryptedRecipientData);
  return unblindHop(nodeSecret(0), h0.nextPathKey, p.hops[1].encryptedRecipientData).data.pathId!;
}

afterAll(() => removeTempDirs());

const simnetEnv = (crash?: string) => ({
  ...process.env,
  ...(crash ? { LNSIGNER_DEV_CRASH: crash } : {}),
});

interface Outcome { result: Record<string, unknown>; calls: { plugin: string; result?: Record<string, unknown> }[] }
interface Delivery { node: string; alias: string; hook: string; payload: { onion_message: Record<string, string> } }

describe.each(['node', 'device'] as const)('merchant flow in the plugin under lnsigner simnet, %s-key mode', (mode) => {
  let emu: SpawnedEmulator;
  let sim: AnnouncedProcess<{ rpc_file: string }>;
  let ld: LightningRpcClient;
  let lns: LightningRpcClient;
  let node0: string;
  let node1: string;
  let ids: string[];

  beforeAll(async () => {
    const dir = tempDir('lns-mrc-');
    const started = await startEmulator(dir, true, HSM_HEX);
    emu = started.emu;
    const link = started.link;
    sim = await spawnAnnounced('simnet', [
      '--data-dir', join(dir, 'ln'), '--nodes', '3', '--seed', SEED, '--node0-hsm-secret', HSM_HEX,
      '--plugin', PLUGIN, '--plugin-option', `lnsigner-device=${link}`, '--plugin-option', `lnsigner-data-dir=${join(dir, 'lns')}`,
      '--plugin-option', `lnsigner-key-mode=${mode}`,
    ], simnetEnv());
    ld = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 30_000 });
    const info = (await ld.call('lnsigner-getinfo')) as { rpc_file: string };
    lns = new LightningRpcClient(info.rpc_file, { timeoutMs: 30_000 });
    const nodes = ((await ld.call('dev-simnet-nodes')) as { nodes: { id: string }[] }).nodes;
    ids = nodes.map((n) => n.id);
    [node0, node1] = ids;
  }, 120_000);
  afterAll(async () => {
    ld?.close();
    lns?.close();
    await sim?.kill();
    await emu?.stop();
  });

  async function ask(req: Uint8Array, offer: string): Promise<{ outcome: Outcome; reply?: Record<string, string> }> {
    const paths = decodeOffer(offer).fields.offer_paths;
    const secretHex = paths ? bytesToHex(offerPathSecret(offer, ids)) : undefined;
    const rp = (await ld.call('dev-simnet-blindedpath', { node: node1, hops: [] })) as Record<string, unknown>;
    await ld.call('dev-simnet-hooks', { clear: true });
    const outcome = (await ld.call('dev-simnet-hook', {
      node: node0, hook: secretHex ? 'onion_message_recv_secret' : 'onion_message_recv',
      payload: { onion_message: { ...(secretHex ? { pathsecret: secretHex } : {}), reply_blindedpath: { first_node_id: rp.first_node_id, first_path_key: rp.first_path_key, hops: rp.hops }, invoice_request: bytesToHex(req), unknown_fields: [] } },
    })) as Outcome;
    const { deliveries } = (await ld.call('dev-simnet-hooks', {})) as { deliveries: Delivery[] };
    return { outcome, reply: deliveries.find((d) => d.node === node1 || d.alias === 'payer')?.payload.onion_message };
  }

  it('offer → invoice_request → device-signed invoice along the reply path → paid via htlc_accepted → listinvoices paid', async () => {
    // lightningd's node is the device's node (--node0-hsm-secret = the emulator's hsm_secret)
    expect(node0).toBe(bytesToHex(NODE_ID));
    expect((await lns.call('getinfo')) as { id: string }).toEqual(expect.objectContaining({ id: node0 }));
    const offer = (await lns.call('offer', { amount: '21000msat', description: 'e2e' })) as { bolt12: string; offer_id: string };
    const payer = new Payer();
    const { outcome, reply } = await ask(payer.request(offer.bolt12, { invreq_payer_note: 'from the simnet' }), offer.bolt12);
    expect(outcome.result).toEqual({ result: 'lnsigner' });
    expect(reply?.invoice).toBeDefined();
    const inv = parseInvoice(hexToBytes(reply!.invoice));
    checkSignature(inv);
    const issuer = bytesToHex(decodeOffer(offer.bolt12).fields.offer_issuer_id!);
    expect(bytesToHex(inv.fields.invoice_node_id!)).toBe(issuer);
    // node mode: the node id; device mode: a device-derived key, and the offer has a path to node 0
    expect(issuer === node0).toBe(mode === 'node');
    // device mode: one path per connected peer of node 0 (it has two), up to 3
    expect(decodeOffer(offer.bolt12).fields.offer_paths?.length ?? 0).toBe(mode === 'device' ? 2 : 0);
    expect(inv.fields.invoice_amount).toBe(21000n);

    const hash = inv.fields.invoice_payment_hash!;
    const pathId = pathIdOf(hash);
    const paid = (await ld.call('dev-simnet-hook', {
      node: node0, hook: 'htlc_accepted',
      payload: { onion: { payment_secret: bytesToHex(pathId), total_msat: 21000 }, htlc: { payment_hash: bytesToHex(hash), amount_msat: 21000, cltv_expiry: 1200, cltv_expiry_relative: 100 } },
    })) as Outcome;
    expect(paid.result.result).toBe('resolve');
    expect(bytesToHex(sha256(hexToBytes(paid.result.payment_key as string)))).toBe(bytesToHex(hash));
    const list = (await lns.call('listinvoices', { offer_id: offer.offer_id })) as { invoices: Record<string, unknown>[] };
    expect(list.invoices).toEqual([expect.objectContaining({ status: 'paid', amount_received_msat: 21000, invreq_payer_note: 'from the simnet', payment_preimage: paid.result.payment_key })]);
  }, 60_000);

  it('a bad request is answered with CLN\'s invoice_error along the reply path; foreign messages continue to the next plugin', async () => {
    const offer = (await lns.call('offer', { amount: '1000msat', description: 'e2e-bad' })) as { bolt12: string };
    const req = new Payer().request(offer.bolt12, { invreq_amount: 10n });
    const { outcome, reply } = await ask(req, offer.bolt12);
    expect(outcome.result).toEqual({ result: 'lnsigner' });
    const err = readTlvRecords(hexToBytes(reply!.invoice_error)).find((r) => r.type === 5n)!;
    expect(new TextDecoder().decode(err.value)).toBe(`Failed invreq ${encodeBolt12String('lnr', req)}: Amount must be at least 1000msat`);
    const other = (await ld.call('dev-simnet-hook', { node: node0, hook: 'onion_message_recv', payload: { onion_message: { unknown_fields: [] } } })) as Outcome;
    expect(other.result).toEqual({ result: 'continue' });
  }, 60_000);
});

describe('the plugin killed at any moment (LNSIGNER_DEV_CRASH, --developer)', () => {
  it('between storing the invoice and replying; between release_preimage and the paid record; between the record and the answer', async () => {
    const dir = tempDir('lns-mrk-');
    const { emu, link } = await startEmulator(dir, true, HSM_HEX);
    const lnsDir = join(dir, 'lns');
    let run = 0;
    const start = async (crash?: string) => {
      const sim = await spawnAnnounced<{ rpc_file: string }>('simnet', [
        '--data-dir', join(dir, `ln${run++}`), '--nodes', '3', '--seed', SEED, '--node0-hsm-secret', HSM_HEX,
        '--plugin', PLUGIN, '--plugin-option', `lnsigner-device=${link}`, '--plugin-option', `lnsigner-data-dir=${lnsDir}`,
        '--plugin-option', 'lnsigner-key-mode=node',
      ], simnetEnv(crash));
      const ld = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 30_000 });
      const lns = new LightningRpcClient(((await ld.call('lnsigner-getinfo')) as { rpc_file: string }).rpc_file, { timeoutMs: 30_000 });
      const ids = ((await ld.call('dev-simnet-nodes')) as { nodes: { id: string }[] }).nodes.map((n) => n.id);
      const stop = async () => {
        ld.close();
        lns.close();
        await sim.kill();
      };
      return { ld, lns, ids, stop };
    };
    const hookRequest = async (ld: LightningRpcClient, ids: string[], req: Uint8Array) => {
      const rp = (await ld.call('dev-simnet-blindedpath', { node: ids[1], hops: [] })) as Record<string, unknown>;
      await ld.call('dev-simnet-hooks', { clear: true });
      const outcome = (await ld.call('dev-simnet-hook', {
        node: ids[0], hook: 'onion_message_recv',
        payload: { onion_message: { reply_blindedpath: { first_node_id: rp.first_node_id, first_path_key: rp.first_path_key, hops: rp.hops }, invoice_request: bytesToHex(req), unknown_fields: [] } },
      })) as Outcome & { calls: { died?: boolean }[] };
      const { deliveries } = (await ld.call('dev-simnet-hooks', {})) as { deliveries: Delivery[] };
      return { outcome, reply: deliveries.find((d) => d.node === ids[1] || d.alias === 'payer')?.payload.onion_message };
    };
    try {
      // 1. killed after the invoice is stored, before the reply is sent.
      let n = await start('merchant-before-reply');
      const offer = (await n.lns.call('offer', { amount: '5000msat', description: 'crash' })) as { bolt12: string };
      const payer = new Payer();
      const req = payer.request(offer.bolt12);
      const first = await hookRequest(n.ld, n.ids, req);
      expect(first.outcome.calls[0].died).toBe(true);
      expect(first.reply).toBeUndefined();
      await n.stop();
      // restart: the payer's retry gets the stored invoice.
      n = await start('merchant-before-paid-record');
      const stored = ((await n.lns.call('listinvoices', {})) as { invoices: { bolt12: string; status: string }[] }).invoices;
      expect(stored).toEqual([expect.objectContaining({ status: 'unpaid' })]);
      const again = await hookRequest(n.ld, n.ids, req);
      expect(encodeBolt12String('lni', hexToBytes(again.reply!.invoice))).toBe(stored[0].bolt12);
      const inv = parseInvoice(hexToBytes(again.reply!.invoice));
      const hash = inv.fields.invoice_payment_hash!;
      const htlc = {
        onion: { payment_secret: bytesToHex(pathIdOf(hash)), total_msat: 5000 },
        htlc: { payment_hash: bytesToHex(hash), amount_msat: 5000, cltv_expiry: 1200, cltv_expiry_relative: 100 },
      };
      // 2. killed after the device released the preimage, before the paid record: the HTLC is unanswered.
      const died = (await n.ld.call('dev-simnet-hook', { node: n.ids[0], hook: 'htlc_accepted', payload: htlc })) as Outcome & { calls: { died?: boolean }[] };
      expect(died.calls[0].died).toBe(true);
      await n.stop();
      // 3. lightningd replays it; killed after the paid record, before the answer.
      n = await start('merchant-after-paid-record');
      expect(((await n.ld.call('dev-simnet-hook', { node: n.ids[0], hook: 'htlc_accepted', payload: htlc })) as { calls: { died?: boolean }[] }).calls[0].died).toBe(true);
      await n.stop();
      // 4. replayed once more: resolved from the store; paid exactly once.
      n = await start();
      const ok = (await n.ld.call('dev-simnet-hook', { node: n.ids[0], hook: 'htlc_accepted', payload: htlc })) as Outcome;
      expect(ok.result.result).toBe('resolve');
      expect(bytesToHex(sha256(hexToBytes(ok.result.payment_key as string)))).toBe(bytesToHex(hash));
      const list = ((await n.lns.call('listinvoices', {})) as { invoices: Record<string, unknown>[] }).invoices;
      expect(list).toEqual([expect.objectContaining({ status: 'paid', pay_index: 1, amount_received_msat: 5000, payment_preimage: ok.result.payment_key })]);
      await n.stop();
    } finally {
      await emu.stop();
    }
  }, 180_000);
});
