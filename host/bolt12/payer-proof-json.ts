// `decode` of a payer proof (`lnp1…`) in Core Lightning's layout
// (plugins/offers.c json_add_payer_proof): "type": "bolt12 payer_proof", the
// disclosed offer, invoice_request and invoice fields, then signature,
// proof_preimage, proof_omitted_tlvs, proof_missing_hashes, proof_leaf_hashes,
// proof_note, proof_signature, unknown_payer_proof_tlvs and valid.
// Deviation (docs/host/payer-proof.md): Core Lightning refuses a proof that
// fails a reader rule; here a proof that parses but fails one is printed with
// `warning_invalid_payer_proof` and valid:false. A stream that does not parse
// (framing, field encodings, unknown even type) throws as for other strings.
import { hex } from '@scure/base';
import { currencyMinorUnit } from './iso4217.js';
import { fallbacksJson, Out, pathsJson, type Decoded, type JsonObject } from './decode-json-parts.js';
import { parsePayerProof, payerProofProblem } from './payer-proof.js';
import type { TlvRecord } from './tlv.js';

const h = (b: Uint8Array) => hex.encode(b);
const latin = new TextDecoder('utf-8');

export function payerProofJson(bytes: Uint8Array, o: Out): Decoded {
  const p = parsePayerProof(bytes);
  const f = p.invoicePart.fields;
  o.add('type', 'bolt12 payer_proof');
  // Selectively disclosed offer fields.
  if (f.offer_chains) o.add('offer_chains', f.offer_chains.map(h));
  if (f.offer_metadata) o.add('offer_metadata', h(f.offer_metadata));
  if (f.offer_currency !== undefined) {
    o.add('offer_currency', f.offer_currency);
    o.add('offer_amount', f.offer_amount);
    const minor = currencyMinorUnit(f.offer_currency);
    if (minor !== undefined) o.add('currency_minor_unit', minor);
  } else if (f.offer_amount !== undefined) o.add('offer_amount_msat', f.offer_amount);
  if (f.offer_description !== undefined) o.add('offer_description', f.offer_description);
  if (f.offer_features) o.add('offer_features', h(f.offer_features));
  o.add('offer_absolute_expiry', f.offer_absolute_expiry);
  if (f.offer_paths) pathsJson(o, 'offer_paths', f.offer_paths);
  if (f.offer_issuer !== undefined) o.add('offer_issuer', f.offer_issuer);
  o.add('offer_quantity_max', f.offer_quantity_max);
  if (f.offer_issuer_id) o.add('offer_issuer_id', h(f.offer_issuer_id));
  // Selectively disclosed invoice_request fields.
  if (f.invreq_chain) o.add('invreq_chain', h(f.invreq_chain));
  o.add('invreq_amount_msat', f.invreq_amount);
  if (f.invreq_features) o.add('invreq_features', h(f.invreq_features));
  o.add('invreq_quantity', f.invreq_quantity);
  if (f.invreq_payer_id) o.add('invreq_payer_id', h(f.invreq_payer_id));
  if (f.invreq_payer_note !== undefined) o.add('invreq_payer_note', f.invreq_payer_note);
  if (f.invreq_paths) pathsJson(o, 'invreq_paths', f.invreq_paths);
  if (f.invreq_bip_353_name) {
    o.add('invreq_bip_353_name', { name: latin.decode(f.invreq_bip_353_name.name), domain: latin.decode(f.invreq_bip_353_name.domain) });
  }
  // Selectively disclosed invoice fields (only those present).
  if (f.invoice_paths) pathsJson(o, 'invoice_paths', f.invoice_paths, f.invoice_blindedpay);
  o.add('invoice_created_at', f.invoice_created_at);
  o.add('invoice_relative_expiry', f.invoice_relative_expiry);
  if (f.invoice_payment_hash) o.add('invoice_payment_hash', h(f.invoice_payment_hash));
  o.add('invoice_amount_msat', f.invoice_amount);
  if (f.invoice_fallbacks) fallbacksJson(o, f.invreq_chain, f.invoice_fallbacks);
  if (f.invoice_features) o.add('invoice_features', h(f.invoice_features));
  if (f.invoice_node_id) o.add('invoice_node_id', h(f.invoice_node_id));
  // Proof fields.
  if (p.signature) o.add('signature', h(p.signature));
  if (p.preimage) o.add('proof_preimage', h(p.preimage));
  o.add('proof_omitted_tlvs', (p.omittedMarkers ?? []).map((m) => m));
  o.add('proof_missing_hashes', (p.missingHashes ?? []).map(h));
  o.add('proof_leaf_hashes', (p.leafHashes ?? []).map(h));
  if (p.note !== undefined) o.add('proof_note', p.note);
  if (p.proofSignature) o.add('proof_signature', h(p.proofSignature));
  const unknown: TlvRecord[] = [...p.invoicePart.unknown.map((u) => p.records.find((r) => r.type === u.type)!), ...p.unknown]
    .sort((a, b) => (a.type < b.type ? -1 : 1));
  if (unknown.length) {
    o.add('unknown_payer_proof_tlvs', unknown.map((r): JsonObject => ({ type: r.type, length: r.value.length, value: h(r.value) })));
  }
  const why = payerProofProblem(p);
  if (why) o.warn('warning_invalid_payer_proof', why);
  o.add('valid', o.valid);
  return { message: p.invoicePart, json: o.json, valid: o.valid, warnings: o.warnings };
}
