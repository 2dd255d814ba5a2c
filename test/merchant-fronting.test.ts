// Fronting nodes (issue 13 item 5; cln-offers-flow-digest §3.2 rule 15, §3.7;
// cln-rpc-digest §1.1 #14): `offer fronting_nodes=[...]` gives one blinded
// offer path per front that is a channel peer, in both key modes
// (force_paths); invoices for it take their payment path through those fronts
// only — a disconnected front kept but ranked with capacity 0 — and CLN's
// texts when no front can be used. In process: the merchant world
// (test/helpers/merchant-world.ts) with its listpeerchannels extended by two
// fronts whose secrets the test holds, so it can open their hops.
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { checkSignature, decodeOffer, type BlindedPath } from '../host/bolt12/index.js';
import { buildBlindedPath, unblindHop } from '../host/blinding/index.js';
import { secp } from '../host/crypto/noble.js';
import { GENESIS_WIRE_HEX } from '../host/daemon/network.js';
import { toBolt12Fields } from '../host/commands/bolt12-offer-encoder.js';
import { createOfferOnDevice } from '../host/merchant/offer-create.js';
import { frontPeers } from '../host/merchant/peers.js';
import { deliver, makeWorld, Payer, readReply, type World } from './helpers/merchant-world.js';

let worlds: World[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.close();
});

interface Front {
  secret: Uint8Array;
  id: Uint8Array;
  hex: string;
  /** Has a CHANNELD_NORMAL channel with us. */
  peer: boolean;
  connected: boolean;
  receivable: number;
  fees: { base: number; ppm: number; delta: number };
}

const newFront = (receivable: number, fees: Front['fees']): Front => {
  const secret = secp.utils.randomSecretKey();
  const id = secp.getPublicKey(secret, true);
  return { secret, id, hex: bytesToHex(id), peer: true, connected: true, receivable, fees };
};

/**
 * A world whose lightningd also has channels with two fronts. The world's own
 * peer can bring in more (5 000 000 000 msat) than either front, so a path
 * through a front is there because of fronting, not ranking.
 */
function frontedWorld(mode: 'device' | 'node') {
  const w = makeWorld(mode);
  worlds.push(w);
  const f1 = newFront(1_000_000_000, { base: 2000, ppm: 200, delta: 30 });
  const f2 = newFront(2_000_000_000, { base: 3000, ppm: 300, delta: 60 });
  // ctx.lightning is the object the flow also calls.
  const l = w.ctx.lightning as unknown as { call(m: string, p?: unknown): Promise<any> };
  const base = l.call.bind(l);
  l.call = async (m: string, p?: unknown) => {
    const r = await base(m, p);
    for (const f of [f1, f2]) {
      if (!f.peer) continue;
      r.channels.push({
        peer_id: f.hex, peer_connected: f.connected, state: 'CHANNELD_NORMAL', short_channel_id: '104x1x0', receivable_msat: f.receivable,
        updates: { remote: { fee_base_msat: f.fees.base, fee_proportional_millionths: f.fees.ppm, cltv_expiry_delta: f.fees.delta, htlc_minimum_msat: 1, htlc_maximum_msat: 4_000_000_000 } },
      });
    }
    return r;
  };
  return { w, f1, f2 };
}

/** Opens an offer path whose first node is `front`: the front forwards to us, we read the path_id. */
function openOfferPath(w: World, front: Front, p: BlindedPath): Uint8Array {
  expect(p.firstNodeId).toEqual({ pubkey: front.id });
  expect(p.hops).toHaveLength(2);
  const h0 = unblindHop(front.secret, p.firstPathKey, p.hops[0].encryptedRecipientData);
  expect(h0.data.nextNodeId).toEqual(w.nodeId);
  const h1 = unblindHop(w.nodeSecret, h0.nextPathKey, p.hops[1].encryptedRecipientData);
  expect(h1.data.pathId).toHaveLength(32);
  return h1.data.pathId!;
}

/** Requests an invoice for `bolt12` through its first path (secret read as our node reads it). */
async function request(w: World, front: Front, bolt12: string) {
  const secret = openOfferPath(w, front, decodeOffer(bolt12).fields.offer_paths![0]);
  const payer = new Payer();
  const { sent } = await deliver(w, payer.request(bolt12), { secret });
  expect(sent).toHaveLength(1);
  return readReply(w, sent[0]);
}

describe('offer fronting_nodes → offer_paths through exactly those fronts', () => {
  for (const mode of ['device', 'node'] as const) {
    it(`${mode}-key: one path per front, in the order given, force_paths true`, async () => {
      const { w, f1, f2 } = frontedWorld(mode);
      const r = await w.run('offer', { amount: '1000msat', description: 'fronted', fronting_nodes: [f2.hex, f1.hex] });
      expect(r.force_paths).toBe(true);
      const o = decodeOffer(r.bolt12);
      const paths = o.fields.offer_paths!;
      expect(paths.map((p) => p.firstNodeId)).toEqual([{ pubkey: f2.id }, { pubkey: f1.id }]);
      // Both paths end in the same path_id (the offer's, from either front).
      expect(openOfferPath(w, f2, paths[0])).toEqual(openOfferPath(w, f1, paths[1]));
      if (mode === 'node') expect(o.fields.offer_issuer_id).toEqual(w.nodeId);
      else expect(o.fields.offer_issuer_id).not.toEqual(w.nodeId);
      const row = w.store.offers.get(r.offer_id)!;
      expect(row).toMatchObject({ forcePaths: true, frontingNodes: [f2.hex, f1.hex], keyMode: mode });
    });
  }

  it('a front that is no channel peer gets no path (logged); a disconnected one keeps its path', async () => {
    const { w, f1, f2 } = frontedWorld('node');
    f1.peer = false;
    f2.connected = false;
    const r = await w.run('offer', { amount: '1000msat', description: 'fronted', fronting_nodes: [f1.hex, f2.hex] });
    expect(decodeOffer(r.bolt12).fields.offer_paths!.map((p) => p.firstNodeId)).toEqual([{ pubkey: f2.id }]);
    expect(w.logs.some((l) => l.includes(`fronting node ${f1.hex} is not a channel peer`))).toBe(true);
  });

  for (const mode of ['device', 'node'] as const) {
    it(`${mode}-key: no front is a channel peer → -1 "Could not find neighbour fronting node", nothing stored`, async () => {
      const { w, f1, f2 } = frontedWorld(mode);
      f1.peer = false;
      f2.peer = false;
      await expect(w.run('offer', { amount: '1000msat', description: 'x', fronting_nodes: [f1.hex, f2.hex] }))
        .rejects.toMatchObject({ code: -1, message: 'Could not find neighbour fronting node' });
      expect(w.store.offers.list()).toHaveLength(0);
    });
  }

  it('fronting_nodes [] is no fronting: node-key offer without paths, device-key through the best connected peers', async () => {
    const { w } = frontedWorld('node');
    const r = await w.run('offer', { amount: '1000msat', description: 'x', fronting_nodes: [] });
    expect(r.force_paths).toBe(false);
    expect(decodeOffer(r.bolt12).fields.offer_paths).toBeUndefined();
    const d = frontedWorld('device');
    const rd = await d.w.run('offer', { amount: '1000msat', description: 'x', fronting_nodes: [] });
    expect(decodeOffer(rd.bolt12).fields.offer_paths!.map((p) => p.firstNodeId)).toEqual([{ pubkey: d.w.peerId }, { pubkey: d.f2.id }, { pubkey: d.f1.id }]);
  });
});

describe('invoices for a fronted offer: payment path through the fronts only (§3.7)', () => {
  for (const mode of ['device', 'node'] as const) {
    it(`${mode}-key: the best connected front, its fees in the path and payinfo; paid through htlc_accepted`, async () => {
      const { w, f1, f2 } = frontedWorld(mode);
      const offer = await w.run('offer', { amount: '50000msat', description: 'tea', fronting_nodes: [f1.hex, f2.hex] });
      const { invoice, error } = await request(w, f1, offer.bolt12);
      expect(error, w.logs.join('\n')).toBeUndefined();
      const inv = invoice!;
      checkSignature(inv);
      // f2 brings in more than f1; the world's peer (more still) is no front.
      expect(inv.fields.invoice_paths).toHaveLength(1);
      const p = inv.fields.invoice_paths![0];
      expect(p.firstNodeId).toEqual({ pubkey: f2.id });
      const h0 = unblindHop(f2.secret, p.firstPathKey, p.hops[0].encryptedRecipientData);
      expect(h0.data.nextNodeId).toEqual(w.nodeId);
      expect(h0.data.paymentRelay).toEqual({ cltvExpiryDelta: 60, feeProportionalMillionths: 300, feeBaseMsat: 3000 });
      expect(inv.fields.invoice_blindedpay![0]).toMatchObject({ feeBaseMsat: 3000, feeProportionalMillionths: 300, cltvExpiryDelta: 60 + 10 });
      const pathId = unblindHop(w.nodeSecret, h0.nextPathKey, p.hops[1].encryptedRecipientData).data.pathId!;
      const reply = await w.hooks.dispatch('htlc_accepted', {
        onion: { payment_secret: bytesToHex(pathId), total_msat: 50000 },
        htlc: { payment_hash: bytesToHex(inv.fields.invoice_payment_hash!), amount_msat: 50000, cltv_expiry: 700, cltv_expiry_relative: 200 },
      });
      expect(reply.result).toBe('resolve');
      const preimage = (reply as { payment_key: string }).payment_key;
      expect(sha256(Buffer.from(preimage, 'hex'))).toEqual(inv.fields.invoice_payment_hash);
    });
  }

  it('a disconnected front is ranked last (capacity 0), but still used when it is the only one', async () => {
    const { w, f1, f2 } = frontedWorld('device');
    const offer = await w.run('offer', { amount: '50000msat', description: 'tea', fronting_nodes: [f1.hex, f2.hex] });
    f2.connected = false; // the bigger one goes away
    let { invoice } = await request(w, f1, offer.bolt12);
    expect(invoice!.fields.invoice_paths![0].firstNodeId).toEqual({ pubkey: f1.id });
    f1.peer = false; // only the disconnected front is left: kept with capacity 0
    ({ invoice } = await request(w, f1, offer.bolt12));
    expect(invoice!.fields.invoice_paths![0].firstNodeId).toEqual({ pubkey: f2.id });
  });

  it('no front left → "Could not find path from 2 nodes (<first>, ...)" in the invoice_error, nothing signed', async () => {
    const { w, f1, f2 } = frontedWorld('node');
    const offer = await w.run('offer', { amount: '50000msat', description: 'tea', fronting_nodes: [f1.hex, f2.hex] });
    f1.peer = false;
    f2.peer = false;
    const before = w.standin.calls.length;
    const { invoice, error } = await request(w, f1, offer.bolt12);
    expect(invoice).toBeUndefined();
    expect(error).toMatch(new RegExp(`^Failed invreq lnr1[a-z0-9]+: Could not find path from 2 nodes \\(${f1.hex}, \\.\\.\\.\\)$`));
    expect(w.standin.calls.slice(before)).not.toContain('sign_invoice');
    expect(w.store.invoices.list()).toHaveLength(0);
  });

  it('frontPeers: only the fronts, htlc_maximum below the amount dropped, disconnected with capacity 0', () => {
    const chan = (id: string, connected: boolean, receivable: number, htlcMax = 4_000_000_000) => ({
      peer_id: id, peer_connected: connected, state: 'CHANNELD_NORMAL', receivable_msat: receivable,
      updates: { remote: { htlc_maximum_msat: htlcMax } },
    });
    const a = '02'.padEnd(66, 'a'), b = '02'.padEnd(66, 'b'), c = '02'.padEnd(66, 'c'), d = '02'.padEnd(66, 'd');
    const lpc = { channels: [chan(a, false, 9_000), chan(b, true, 10), chan(c, true, 5_000, 100), chan(d, true, 99_999)] };
    const got = frontPeers(lpc, [a, b, c], 1000n);
    expect(got.map((p) => [p.peerId, p.receivableMsat])).toEqual([[b, 10n], [a, 0n]]);
  });
});

describe('rule 15: force_paths but no usable front in offer_paths', () => {
  it('"Fronting failed, could not find any fronts" when the only path starts at ourselves', async () => {
    const { w } = frontedWorld('node');
    // An offer created with fronting whose only path's first node is our own
    // node (ourselves are excluded from the fronts).
    const fields = toBolt12Fields({ description: 'self-fronted', amount: 1000n, issuerId: w.nodeId, chains: [hexToBytes(GENESIS_WIRE_HEX.regtest)] });
    const made = await createOfferOnDevice(w.standin, fields, 'node', w.nodeId, (pathId) => [
      buildBlindedPath([{ nodeId: w.nodeId, data: { pathId } }]).path,
    ]);
    w.store.offers.createOrGet({ offerId: made.offerId, bolt12: made.bolt12, singleUse: false, forcePaths: true, keyMode: 'node', frontingNodes: [bytesToHex(w.nodeId)] });
    const p = decodeOffer(made.bolt12).fields.offer_paths![0];
    const secret = unblindHop(w.nodeSecret, p.firstPathKey, p.hops[0].encryptedRecipientData).data.pathId!;
    const { sent } = await deliver(w, new Payer().request(made.bolt12), { secret });
    expect(readReply(w, sent[0]).error).toMatch(/^Failed invreq lnr1[a-z0-9]+: Fronting failed, could not find any fronts$/);
  });
});
