// The README's main job (`npm start` = `lnsigner demo`): an emulated signer
// provisioned from an hsm_secret the demo keeps, a simulated network whose
// first node is the device's node, lnsigner on it as a Core Lightning plugin,
// and a walk through the whole BOLT 12 loop over the real CLI, PTY and SQLite:
// an offer from lnsigner, an invoice request from a simulated payer (alice),
// the device-signed invoice, the payment, the invoice shown paid; then the
// sendpay walk-through.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { LNSIGNER_BIN } from '../host/process/announced.js';
import { checkSignature, decodeBolt12String, decodeOffer, parseInvoice } from '../host/bolt12/index.js';

function demoOnce(dataDir: string) {
  const r = spawnSync(process.execPath, [LNSIGNER_BIN, 'demo', '--data-dir', dataDir, '--once'], { encoding: 'utf8', timeout: 90_000 });
  // The walk-through prints one JSON document per command after its "$ lnsigner ..." line.
  const docs = r.stdout.split(/^\$ lnsigner .*$/m).slice(1).map((s) => JSON.parse(s));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, docs };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('lnsigner demo (npm start)', () => {
  it('walks the BOLT 12 loop (offer, invoice request, device-signed invoice, payment, paid) and a sendpay; keeps its state across runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lnsigner-demo-'));
    const first = demoOnce(dir);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('lnsigner is running (network regtest)');
    const [info, offer, list, fetched, decoded, paid, invoices, , waited, sendpays] = first.docs;
    expect(info.id).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(info.network).toBe('regtest');
    expect(offer.created).toBe(true);
    const o = decodeOffer(offer.bolt12);
    // device-key mode (the default): issued by a key derived on the device, reached through blinded paths to our node
    const issuer = hex(o.fields.offer_issuer_id!);
    expect(issuer).not.toBe(info.id);
    expect(o.fields.offer_paths!.length).toBeGreaterThan(0);
    expect(o.fields.offer_amount).toBe(1_000_000n);
    expect(list.offers.map((x: { offer_id: string }) => x.offer_id)).toEqual([offer.offer_id]);
    // alice's fetchinvoice: the device-signed invoice for that offer
    expect(fetched).toMatchObject({ node_id: issuer, amount_msat: 1_000_000 });
    const inv = parseInvoice(decodeBolt12String(fetched.invoice).bytes);
    checkSignature(inv);
    expect(decoded).toMatchObject({ type: 'bolt12 invoice', offer_id: offer.offer_id, invoice_node_id: issuer, invoice_amount_msat: 1_000_000 });
    // alice paid it; lnsigner shows it paid with the preimage the device released
    expect(hex(sha256(Buffer.from(paid.preimage, 'hex')))).toBe(fetched.payment_hash);
    expect(invoices.invoices).toEqual([expect.objectContaining({
      status: 'paid', local_offer_id: offer.offer_id, payment_hash: fetched.payment_hash, payment_preimage: paid.preimage,
      invreq_payer_note: 'one coffee please', bolt12: fetched.invoice,
    })]);
    // the sendpay walk-through still completes
    expect(waited.status).toBe('complete');
    expect(sendpays.payments[0].status).toBe('complete');

    const second = demoOnce(dir);
    expect(second.status, second.stderr).toBe(0);
    const [info2, offer2, list2, , , , invoices2] = second.docs;
    expect(info2.id).toBe(info.id); // same device secret, from the emulator's flash
    // a device-key offer carries a fresh nonce each time: a new offer
    expect(offer2.created).toBe(true);
    expect(offer2.offer_id).not.toBe(offer.offer_id);
    expect(list2.offers).toHaveLength(2);
    expect(invoices2.invoices.map((i: { status: string }) => i.status)).toEqual(['paid', 'paid']);
  }, 200_000);

  it('Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops everything and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lnsigner-demo-'));
    // Its own process group, so the signal reaches the demo and its children
    // (the emulator and the daemon) as a terminal's Ctrl-C does.
    const p = spawn(process.execPath, [LNSIGNER_BIN, 'demo', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    await new Promise<void>((ready, fail) => {
      p.stdout.on('data', (d) => {
        out += d;
        if (out.includes('Ctrl-C stops')) ready();
      });
      void exited.then(() => fail(new Error(`demo exited early: ${err}`)));
    });
    process.kill(-p.pid!, 'SIGINT');
    expect(await exited, err).toBe(0);
  }, 60_000);
});
