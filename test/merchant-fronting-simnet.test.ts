// Fronting nodes end to end (issue 13 item 5): the plugin under
// `lnsigner simnet --plugin` in node-key mode (where offers otherwise carry no
// paths), the emulator as the device. For each channel peer P of lightningd's
// node, `offer fronting_nodes=[P]` gives one offer path introduced by P; the
// independent simulated payer fetches the invoice through it, the invoice's
// payment path starts at P, and the payer pays it through P.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { spawnAnnounced, type AnnouncedProcess } from '../host/process/announced.js';
import { LightningRpcClient } from '../host/node/client.js';
import { checkSignature, decodeBolt12String, decodeOffer, parseInvoice } from '../host/bolt12/index.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { removeTempDirs, startEmulator, tempDir } from './helpers/e2e.js';
import { HSM_SECRET, NODE_ID } from './helpers/merchant.js';

const PLUGIN = join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js');
const HSM_HEX = bytesToHex(HSM_SECRET);

afterAll(() => removeTempDirs());

describe('fronting_nodes under lnsigner simnet, node-key mode', () => {
  let emu: SpawnedEmulator;
  let sim: AnnouncedProcess<{ rpc_file: string }>;
  let ld: LightningRpcClient;
  let lns: LightningRpcClient;
  let ids: string[];

  beforeAll(async () => {
    const dir = tempDir('lns-front-');
    const started = await startEmulator(dir, true, HSM_HEX);
    emu = started.emu;
    sim = await spawnAnnounced('simnet', [
      '--data-dir', join(dir, 'ln'), '--nodes', '3', '--seed', 'fronting-e2e', '--node0-hsm-secret', HSM_HEX,
      '--plugin', PLUGIN, '--plugin-option', `lnsigner-device=${started.link}`, '--plugin-option', `lnsigner-data-dir=${join(dir, 'lns')}`,
      '--plugin-option', 'lnsigner-key-mode=node',
    ], { ...process.env });
    ld = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 30_000 });
    const info = (await ld.call('lnsigner-getinfo')) as { rpc_file: string };
    lns = new LightningRpcClient(info.rpc_file, { timeoutMs: 30_000 });
    ids = ((await ld.call('dev-simnet-nodes')) as { nodes: { id: string }[] }).nodes.map((n) => n.id);
  }, 120_000);
  afterAll(async () => {
    ld?.close();
    lns?.close();
    await sim?.kill();
    await emu?.stop();
  });

  it('each channel peer as the only front: offer path and payment path through it, fetched and paid by the payer', async () => {
    expect(ids[0]).toBe(bytesToHex(NODE_ID));
    const chans = ((await ld.call('listpeerchannels', {})) as { channels: { peer_id: string }[] }).channels;
    const peers = [...new Set(chans.map((c) => c.peer_id))];
    expect(peers.length).toBeGreaterThanOrEqual(2); // both of node 0's peers, whichever ranks best
    const payerNode = ids[1];
    for (const front of peers) {
      const offer = (await lns.call('offer', { amount: '3000msat', description: `via ${front.slice(0, 8)}`, fronting_nodes: [front] })) as { bolt12: string; offer_id: string; force_paths: boolean };
      expect(offer.force_paths).toBe(true);
      const o = decodeOffer(offer.bolt12);
      expect(bytesToHex(o.fields.offer_issuer_id!)).toBe(ids[0]);
      expect(o.fields.offer_paths!.map((p) => bytesToHex((p.firstNodeId as { pubkey: Uint8Array }).pubkey))).toEqual([front]);
      const got = (await ld.call('dev-simnet-fetchinvoice', { node: payerNode, timeout: 30, offer: offer.bolt12 })) as { invoice: string; payment_hash: string };
      const inv = parseInvoice(decodeBolt12String(got.invoice).bytes);
      checkSignature(inv);
      expect(inv.fields.invoice_paths!.map((p) => bytesToHex((p.firstNodeId as { pubkey: Uint8Array }).pubkey))).toEqual([front]);
      const paid = (await ld.call('dev-simnet-pay', { node: payerNode, invoice: got.invoice })) as { preimage: string };
      expect(bytesToHex(sha256(hexToBytes(paid.preimage)))).toBe(got.payment_hash);
      const list = (await lns.call('listinvoices', { offer_id: offer.offer_id })) as { invoices: Record<string, unknown>[] };
      expect(list.invoices).toEqual([expect.objectContaining({ status: 'paid', payment_preimage: paid.preimage })]);
    }
  }, 120_000);

  it('a front that is not a channel peer: the offer is refused with CLN\'s text', async () => {
    // secp256k1's generator: a valid node id nobody here has a channel with.
    const stranger = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
    await expect(lns.call('offer', { amount: '3000msat', description: 'nobody', fronting_nodes: [stranger] }))
      .rejects.toMatchObject({ code: -1, message: 'Could not find neighbour fronting node' });
  }, 30_000);
});
