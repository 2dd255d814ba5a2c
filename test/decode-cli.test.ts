// `lnsigner decode` end to end: runs the built CLI (npm test builds first).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/lnsigner.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'decode', ...args], { encoding: 'utf8' });
const examples = JSON.parse(readFileSync(new URL('./vectors/cln-rpc-examples.json', import.meta.url), 'utf8'));
const offers = JSON.parse(readFileSync(new URL('./vectors/offers-test.json', import.meta.url), 'utf8'));
const OFFER = examples.find((e: any) => e.command === 'offer').response.bolt12 as string;
const INVOICE = examples.find((e: any) => e.command === 'sendinvoice').response.bolt12 as string;

describe('lnsigner decode', () => {
  it('prints Core Lightning decode JSON for an offer, exit 0', () => {
    const r = run(OFFER);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`{
  "type": "bolt12 offer",
  "offer_id": "c5cde0292d56941940f8b10a4c9bdd1f8846d6041a61b3f7e0f87e105aa88121",
  "offer_chains": [
    "06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f"
  ],
  "offer_amount_msat": 10000,
  "offer_description": "Fish sale!",
  "offer_issuer_id": "033845802d25b4e074ccfd7cd8b339a41dc75bf9978a034800444b51d42b07799a",
  "valid": true
}
`);
  });
  it('accepts a lightning: prefix and an invoice; u64 values print as integers', () => {
    const r = run(`lightning:${INVOICE}`);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.type).toBe('bolt12 invoice');
    expect(j.invoice_relative_expiry).toBe(90);
    expect(r.stdout).toContain('"htlc_maximum_msat": 2100000000000000000');
  });
  it('refuses a string breaking a reader rule: message names the layer, exit 1', () => {
    const bad = offers.find((c: any) => c.description === 'Missing offer_description, but has offer_amount').bolt12;
    const r = run(bad);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/semantic layer.*offer_amount is set but offer_description is not/);
    const t = run(offers.find((c: any) => c.description === 'Malformed: truncated in description').bolt12);
    expect(t.status).toBe(1);
    expect(t.stderr).toMatch(/tlv layer.*at byte/);
    const s = run('lno1qqqq+');
    expect(s.stderr).toMatch(/string layer.*'\+'.*at character 8/);
  });
  it('prints JSON with valid:false and exits 3 for softer problems', () => {
    // an invoice_request without invreq_metadata (CLN: warning, not an error)
    const noMeta = 'lnr1pgx9getnwss8vetrw3hhyuckyypwa3eyt44h6txtxquqh7lz5djge4afgfjn7k4rgrkuag0jsd5xvxg';
    const r = run(noMeta);
    expect(r.status).toBe(3);
    const j = JSON.parse(r.stdout);
    expect(j.valid).toBe(false);
    expect(j.warning_missing_invreq_metadata).toBe('invreq_metadata required');
    expect(r.stderr).toMatch(/not valid: warning_missing_invreq_metadata/);
  });
  it('usage errors exit 3', () => {
    expect(run().status).toBe(3);
  });
});
