// BOLT 1 TLV / BOLT 12 codec for the host. Layers, each with its own error type:
//   text   (bech32-string.ts)  Bolt12StringError
//   TLV    (tlv.ts, message.ts) TlvError
//   rules  (offer.ts, invoice-request.ts, invoice.ts) Bolt12SemanticError
//   signature (signature.ts)   Bolt12SignatureError
import { decodeBolt12String } from './bech32-string.js';
import { Bolt12StringError } from './errors.js';
import { parseInvoice } from './invoice.js';
import { parseInvoiceRequest } from './invoice-request.js';
import type { AnyBolt12 } from './message.js';
import { parseOffer } from './offer.js';
import type { ReaderOptions } from './rules.js';

export * from './errors.js';
export * from './bigsize.js';
export * from './wire.js';
export * from './tlv.js';
export * from './tlv-types.js';
export * from './bech32-string.js';
export * from './subtypes.js';
export * from './recurrence.js';
export * from './message.js';
export * from './merkle.js';
export * from './ids.js';
export * from './signature.js';
export * from './offer.js';
export * from './invoice-request.js';
export * from './invoice.js';
export * from './payer-proof.js';
export type { Problem, ReaderOptions } from './rules.js';
export { decodeToJson, stringifyJson, type Decoded, type Json, type JsonObject } from './decode-json.js';

/** Decodes any BOLT 12 string by its prefix, applying every reader rule of its kind. */
export function decodeBolt12(text: string, opts: ReaderOptions = {}): AnyBolt12 {
  const { prefix, bytes } = decodeBolt12String(text);
  if (prefix === 'lno') return parseOffer(bytes, opts);
  if (prefix === 'lnr') return parseInvoiceRequest(bytes, opts);
  if (prefix === 'lnp') throw new Bolt12StringError('a payer proof (lnp): read it with decodePayerProof', 0);
  return parseInvoice(bytes, opts);
}
