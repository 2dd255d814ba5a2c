// The one table of BOLT 12 TLV type numbers, named after the spec fields
// (BOLT 12 at lightning/bolts a3772650; recurrence as Core Lightning encodes it
// today: PR #1240's layout moved into the experimental ranges).

export const TLV = {
  invreq_metadata: 0n,
  offer_chains: 2n,
  offer_metadata: 4n,
  offer_currency: 6n,
  offer_amount: 8n,
  offer_description: 10n,
  offer_features: 12n,
  offer_absolute_expiry: 14n,
  offer_paths: 16n,
  offer_issuer: 18n,
  offer_quantity_max: 20n,
  offer_issuer_id: 22n,
  invreq_chain: 80n,
  invreq_amount: 82n,
  invreq_features: 84n,
  invreq_quantity: 86n,
  invreq_payer_id: 88n,
  invreq_payer_note: 89n,
  invreq_paths: 90n,
  invreq_bip_353_name: 91n,
  invoice_paths: 160n,
  invoice_blindedpay: 162n,
  invoice_created_at: 164n,
  invoice_relative_expiry: 166n,
  invoice_payment_hash: 168n,
  invoice_amount: 170n,
  invoice_fallbacks: 172n,
  invoice_features: 174n,
  invoice_node_id: 176n,
  signature: 240n,
  offer_recurrence_compulsory: 1000000024n,
  offer_recurrence_optional: 1000000025n,
  offer_recurrence_base: 1000000026n,
  offer_recurrence_paywindow: 1000000027n,
  offer_recurrence_limit: 1000000029n,
  invreq_recurrence_counter: 2000000092n,
  invreq_recurrence_start: 2000000093n,
  invreq_recurrence_cancel: 2000000094n,
  invoice_recurrence_basetime: 3000000177n,
} as const;

export type FieldName = keyof typeof TLV;

const OFFER = [
  'offer_chains', 'offer_metadata', 'offer_currency', 'offer_amount', 'offer_description',
  'offer_features', 'offer_absolute_expiry', 'offer_paths', 'offer_issuer', 'offer_quantity_max',
  'offer_issuer_id', 'offer_recurrence_compulsory', 'offer_recurrence_optional',
  'offer_recurrence_base', 'offer_recurrence_paywindow', 'offer_recurrence_limit',
] as const satisfies readonly FieldName[];

const INVREQ_OWN = [
  'invreq_metadata', 'invreq_chain', 'invreq_amount', 'invreq_features', 'invreq_quantity',
  'invreq_payer_id', 'invreq_payer_note', 'invreq_paths', 'invreq_bip_353_name',
  'invreq_recurrence_counter', 'invreq_recurrence_start',
] as const satisfies readonly FieldName[];

const INVOICE_OWN = [
  'invoice_paths', 'invoice_blindedpay', 'invoice_created_at', 'invoice_relative_expiry',
  'invoice_payment_hash', 'invoice_amount', 'invoice_fallbacks', 'invoice_features',
  'invoice_node_id', 'invoice_recurrence_basetime',
] as const satisfies readonly FieldName[];

export type OfferFieldName = (typeof OFFER)[number];
export type InvoiceRequestFieldName =
  | OfferFieldName | (typeof INVREQ_OWN)[number] | 'invreq_recurrence_cancel' | 'signature';
export type InvoiceFieldName = OfferFieldName | (typeof INVREQ_OWN)[number] | (typeof INVOICE_OWN)[number] | 'signature';

export type MessageKind = 'offer' | 'invoice_request' | 'invoice';

/** The fields each TLV namespace knows (anything else is "unknown"). */
export const MESSAGE_FIELDS: { [K in MessageKind]: readonly FieldName[] } = {
  offer: OFFER,
  // invreq_recurrence_cancel is an invoice_request-only field: an invoice never mirrors it.
  invoice_request: [...OFFER, ...INVREQ_OWN, 'invreq_recurrence_cancel', 'signature'],
  invoice: [...OFFER, ...INVREQ_OWN, ...INVOICE_OWN, 'signature'],
};

export type Range = readonly [bigint, bigint];

/** BOLT 12: an offer's TLVs are in 1..79 and 1000000000..1999999999. */
export const OFFER_RANGES: readonly Range[] = [[1n, 79n], [1000000000n, 1999999999n]];
/** BOLT 12: an invoice_request's non-signature TLVs are in 0..159 and 1000000000..2999999999. */
export const INVREQ_RANGES: readonly Range[] = [[0n, 159n], [1000000000n, 2999999999n]];
/** BOLT 12: signature TLV elements are types 240 through 1000 (inclusive). */
export const SIGNATURE_RANGE: Range = [240n, 1000n];

export const inRanges = (t: bigint, ranges: readonly Range[]) => ranges.some(([lo, hi]) => t >= lo && t <= hi);
export const isSignatureType = (t: bigint) => t >= SIGNATURE_RANGE[0] && t <= SIGNATURE_RANGE[1];

const NAME_OF = new Map<bigint, FieldName>(Object.entries(TLV).map(([k, v]) => [v, k as FieldName]));
export const fieldName = (t: bigint): FieldName | undefined => NAME_OF.get(t);

/** Bitcoin mainnet genesis hash in wire (internal) byte order. */
export const BITCOIN_CHAIN_HEX = '6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000';
