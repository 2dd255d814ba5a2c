// sendinvoice's `invreq` checks (host/payer/sendinvoice.ts checkBareInvoiceRequest):
// Core Lightning's param_invreq reasons, in its order, for requests built
// here with @noble; the invoice_error data CLN reports with 1004.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { secp } from '../host/crypto/noble.js';
import { encodeBolt12String, encodeTlvStream, merkleRoot, signatureMessage } from '../host/bolt12/index.js';
import { GENESIS_WIRE_HEX } from '../host/daemon/network.js';
import { checkBareInvoiceRequest, invoiceErrorData } from '../host/payer/sendinvoice.js';
import { ascii } from './helpers/bytes.js';
import { rec, tu } from './helpers/merchant.js';

const REGTEST = GENESIS_WIRE_HEX.regtest;
const PAYER = sha256(ascii('params payer'));
const PAYER_ID = secp.getPublicKey(PAYER, true);
const chain = Buffer.from(REGTEST, 'hex');

function lnr(recs: ReturnType<typeof rec>[], o: { sign?: boolean; corrupt?: boolean } = {}): string {
  const sorted = [...recs].sort((a, b) => (a.type < b.type ? -1 : 1));
  const unsigned = encodeTlvStream(sorted);
  if (o.sign === false) return encodeBolt12String('lnr', unsigned);
  const sig = secp.schnorr.sign(signatureMessage('invoice_request', 'signature', merkleRoot(unsigned)), PAYER, new Uint8Array(32));
  if (o.corrupt) sig[0] ^= 1;
  return encodeBolt12String('lnr', encodeTlvStream([...sorted, rec(240, sig)]));
}
const base = () => [rec(0, new Uint8Array(16).fill(1)), rec(10, ascii('refund')), rec(80, chain), rec(82, tu(5000)), rec(88, PAYER_ID)];
const without = (t: number) => base().filter((r) => r.type !== BigInt(t));
const reason = (s: string) => {
  const r = checkBareInvoiceRequest(s, REGTEST);
  return typeof r === 'string' ? r : 'ok';
};

describe('sendinvoice invreq checks (CLN param_invreq order and texts)', () => {
  it('a bare, signed request passes and is returned parsed', () => {
    const r = checkBareInvoiceRequest(lnr(base()), REGTEST);
    expect(typeof r).toBe('object');
    if (typeof r === 'object') expect(r.req.fields.invreq_amount).toBe(5000n);
  });
  it('each refusal', () => {
    expect(reason('lno1qqqq')).toMatch(/^Unparsable invoice_request: /);
    expect(reason('not bech32')).toMatch(/^Unparsable invoice_request: /);
    expect(reason(lnr([...without(80), rec(80, new Uint8Array(32).fill(9))]))).toMatch(/^Unparsable invoice_request: invreq_chain 0909/);
    expect(reason(lnr(without(80)))).toMatch(/is not ours$/); // no chain = bitcoin, not regtest
    expect(reason(lnr(without(88), { sign: false }))).toBe('Missing invreq_payer_id');
    expect(reason(lnr(without(0)))).toBe('Missing invreq_metadata');
    expect(reason(lnr([...base(), rec(161, Uint8Array.of(1))]))).toBe('Invalid high-numbered fields');
    expect(reason(lnr([...base(), rec(84, Uint8Array.of(1))]))).toBe('unknown feature 0');
    expect(reason(lnr(base(), { sign: false }))).toBe('Missing signature');
    expect(reason(lnr(base(), { corrupt: true }))).toBe('Invalid signature');
    expect(reason(lnr([...base(), rec(22, PAYER_ID)]))).toBe('This is based on an offer?');
    expect(reason(lnr([...base(), rec(2, chain)]))).toBe('Unexpected offer_chains');
    expect(reason(lnr([...base(), rec(12, Uint8Array.of(0))]))).toBe('Unexpected offer_features');
    expect(reason(lnr([...base(), rec(20, tu(3))]))).toBe('Unexpected offer_quantity_max');
    expect(reason(lnr(without(82)))).toBe('Missing invreq_amount');
  });
  it('invoice_error data as CLN reports it (1004)', () => {
    const err = encodeTlvStream([rec(1, tu(170)), rec(3, Uint8Array.of(1, 2)), rec(5, ascii('Failed invoice lni1x: nope'))]);
    expect(invoiceErrorData(bytesToHex(err))).toEqual({ erroneous_field: 170, suggested_value: '0102', error: 'Failed invoice lni1x: nope' });
    expect(invoiceErrorData('ff')).toEqual({ invoice_error_hex: 'ff' });
  });
});
