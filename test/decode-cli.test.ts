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
  it("a string that does not decode: Core Lightning's error object on stdout, exit 1", () => {
    const bad = offers.find((c: any) => c.description === 'Missing offer_description, but has offer_amount').bolt12;
    const r = run(bad);
    expect([r.status, r.stderr]).toEqual([1, '']);
    expect(JSON.parse(r.stdout)).toEqual({
      code: -32602,
      message: 'string: offer_description: offer_amount is set but offer_description is not: invalid token (see logs for details)',
    });
    const t = JSON.parse(run(offers.find((c: any) => c.description === 'Malformed: truncated in description').bolt12).stdout);
    expect(t.message).toMatch(/^string: length 2 exceeds the 1 bytes remaining in record type 10, at byte 1: invalid token/);
    expect(JSON.parse(run('lno1qqqq+').stdout).message).toMatch(/^string: .*'\+'.*at character 8/);
    expect(JSON.parse(run('hello').stdout)).toEqual({
      code: -32602,
      message: 'string: Unparsable string: not a bolt12 offer (lno1), invoice_request (lnr1), invoice (lni1) or payer proof (lnp1): invalid token (see logs for details)',
    });
  });
  it('a string that decodes but breaks a rule: JSON with valid:false and the warning_* fields, exit 0 (as lightning-cli)', () => {
    // an invoice_request without invreq_metadata (CLN: warning, not an error)
    const noMeta = 'lnr1pgx9getnwss8vetrw3hhyuckyypwa3eyt44h6txtxquqh7lz5djge4afgfjn7k4rgrkuag0jsd5xvxg';
    const r = run(noMeta);
    expect([r.status, r.stderr]).toEqual([0, '']);
    const j = JSON.parse(r.stdout);
    expect(j.valid).toBe(false);
    expect(j.warning_missing_invreq_metadata).toBe('invreq_metadata required');
    // an offer with an empty offer_paths and no issuer id
    const e = JSON.parse(run('lno1zqqq').stdout);
    expect(e).toMatchObject({ type: 'bolt12 offer', offer_paths: [], warning_missing_offer_issuer_id: 'offers without an issuer_id or paths are invalid', valid: false });
  });
  it('usage errors exit 3', () => {
    expect(run().status).toBe(3);
  });
});
