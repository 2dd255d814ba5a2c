// createproof invstring [note] [include]       (Core Lightning v26.06, EXPERIMENTAL)
// BOLT 12 payer proofs (lightning/bolts #1346; docs/host/payer-proof.md): a
// proof that we paid a BOLT 12 invoice, signed on the device with the payer
// key of our request (sign_payer_proof), so a reader needs no trust in this
// host. `invstring` is the paid invoice (lni1…) or the offer (lno1…) we paid
// through; a BIP353 name is refused here (no resolver). The paid invoice and
// its preimage come from the payments table (a `complete` part with the
// invoice's payment hash; for an offer, every complete part whose bolt12 is
// an invoice for that offer): one proof per paid invoice. Result as Core
// Lightning: { proofs: [{ bolt12, offer_fields_included,
// invreq_fields_included, invoice_fields_included }] }; 1700 when nothing
// was paid.
import { hex } from '@scure/base';
import {
  Bolt12Error, PROOF_DEFAULT_INCLUDE, attachProofSignature, buildUnsignedPayerProof, decodeBolt12String, encodePayerProof, fieldName, offerId,
  parseTlvMessage, ProofInputError, TLV,
} from '../bolt12/index.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { bad, opt, req, type ParamParser } from '../rpc/params.js';
import { pEscapedString } from '../rpc/param-types.js';
import { rawText } from '../rpc/json-scan.js';
import { pInvstring } from '../payments/route.js';
import type { PaymentRecord } from '../store/payments.js';
import { requireDevice, type CommandContext } from './context.js';
import { onDevice } from './device-calls.js';

/** Core Lightning: "We could not find a successful payment for that invstring." */
export const CREATEPROOF_NOT_PAID = 1700;

/** include: field names (offer, invoice_request or invoice) or numbers (u32: invoice types end at 3999999999). */
export const pInclude: ParamParser<bigint[]> = (tok, name) => {
  if (tok.type !== 'array') return bad(name, 'should be an array', tok);
  return tok.items.map((t, i) => {
    if (t.type === 'string' && Object.hasOwn(TLV, t.value)) return TLV[t.value as keyof typeof TLV];
    const text = t.type === 'number' ? rawText(t) : t.type === 'string' ? t.value : '';
    if (/^[0-9]{1,10}$/.test(text) && BigInt(text) <= 0xffffffffn) return BigInt(text);
    return bad(`${name}[${i}]`, 'should be a field name or number', t);
  });
};

const isOfferType = (t: bigint) => (t >= 1n && t <= 79n) || (t >= 1000000000n && t <= 1999999999n);
const isInvreqType = (t: bigint) => (t >= 80n && t <= 159n) || (t >= 2000000000n && t <= 2999999999n);
const nameOf = (t: bigint): string | bigint => fieldName(t) ?? t;

interface Paid {
  invoice: Uint8Array;
  preimage: Uint8Array;
}

/** The paid invoices `invstring` names, with their preimages (deduplicated by payment hash). */
function paidInvoices(ctx: CommandContext, invstring: string): Paid[] {
  let prefix: string;
  let bytes: Uint8Array;
  try {
    ({ prefix, bytes } = decodeBolt12String(invstring));
  } catch (e) {
    throw new RpcError(ErrorCode.INVALID_PARAMS, `invstring: Unparsable invoice or offer: ${(e as Error).message}`);
  }
  const complete = (hash: string) => ctx.store.payments.byHash(hash).find((p) => p.status === 'complete' && p.paymentPreimage);
  if (prefix === 'lni') {
    const inv = parseTlvMessage('invoice', bytes);
    const hash = inv.fields.invoice_payment_hash;
    const part = hash ? complete(hex.encode(hash)) : undefined;
    return part ? [{ invoice: bytes, preimage: hex.decode(part.paymentPreimage!) }] : [];
  }
  if (prefix === 'lno') {
    const want = hex.encode(offerId(bytes));
    const seen = new Set<string>();
    const out: Paid[] = [];
    for (const p of ctx.store.payments.list({ status: 'complete' }) as PaymentRecord[]) {
      if (!p.bolt12?.startsWith('lni1') || !p.paymentPreimage || seen.has(p.paymentHash)) continue;
      let inv: Uint8Array;
      try {
        inv = decodeBolt12String(p.bolt12).bytes;
        if (hex.encode(offerId(parseTlvMessage('invoice', inv).records)) !== want) continue;
      } catch {
        continue;
      }
      seen.add(p.paymentHash);
      out.push({ invoice: inv, preimage: hex.decode(p.paymentPreimage) });
    }
    return out;
  }
  throw new RpcError(ErrorCode.INVALID_PARAMS, 'invstring: should be a bolt12 invoice (lni1) or offer (lno1); BIP353 names are not resolved here');
}

export const createproof = defineMethod({
  name: 'createproof',
  summary: 'Create BOLT 12 payer proofs (lnp1...) of our payments of an invoice or offer, signed on the device',
  params: {
    invstring: req(pInvstring),
    note: opt(pEscapedString()),
    include: opt(pInclude),
  },
  async run({ values: p }, ctx: CommandContext) {
    for (const t of p.include ?? []) {
      if (t === 0n) throw new RpcError(ErrorCode.INVALID_PARAMS, 'include: invreq_metadata is never included in a proof');
    }
    const paid = paidInvoices(ctx, p.invstring);
    if (paid.length === 0) throw new RpcError(CREATEPROOF_NOT_PAID, 'We could not find a successful payment for that invstring.');
    const dev = requireDevice(ctx, 'payer proofs are signed with the payer key on the device');
    const sign = dev.signer.signPayerProof?.bind(dev.signer);
    if (!sign) throw new RpcError(ErrorCode.DEVICE_UNSUPPORTED, 'The signing device cannot sign payer proofs (firmware without sign_payer_proof)');
    const proofs = [];
    for (const x of paid) {
      let unsigned;
      try {
        unsigned = buildUnsignedPayerProof({ invoice: x.invoice, preimage: x.preimage, include: p.include ?? PROOF_DEFAULT_INCLUDE, note: p.note });
      } catch (e) {
        // The stored invoice or preimage does not make a proof (not signed, not paid by this preimage...).
        if (e instanceof ProofInputError || e instanceof Bolt12Error) throw new RpcError(ErrorCode.LIGHTNINGD, `Cannot prove this payment: ${e.message}`);
        throw e;
      }
      const s = await onDevice('Could not sign the payer proof', () => sign(unsigned));
      const types = unsigned.includedTypes;
      proofs.push({
        bolt12: encodePayerProof(attachProofSignature(unsigned, s.signature)),
        offer_fields_included: types.filter(isOfferType).map(nameOf),
        invreq_fields_included: types.filter(isInvreqType).map(nameOf),
        invoice_fields_included: [...types.filter((t) => !isOfferType(t) && !isInvreqType(t)).map(nameOf), 'signature'],
      });
    }
    return { proofs };
  },
});
