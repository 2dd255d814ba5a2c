// The merchant rules the device enforces in sign_invoice and release_preimage
// (ERR_INVOICE_RULE, detail = rule | offending TLV type << 8) as sentences;
// used by explain.ts (every DeviceError message) and merchant-rules.ts.
// Rule numbers and their meaning: docs/firmware/merchant.md.
import * as P from '../../shared/protocol.js';
import { fieldName } from '../bolt12/tlv-types.js';

export const INVOICE_RULE_SENTENCES: Readonly<Record<number, string>> = {
  [P.INVOICE_RULE_PARSE]: 'the invoice does not parse strictly as a BOLT 12 invoice',
  [P.INVOICE_RULE_INVREQ]: 'the invoice_request part is not signed by its payer',
  [P.INVOICE_RULE_OFFER_MAC]: 'the offer is not one of ours (offer_metadata MAC)',
  [P.INVOICE_RULE_KEY]: 'the invoice is not for our key (offer_issuer_id / invoice_node_id / signature)',
  [P.INVOICE_RULE_PAYMENT_HASH]: 'the payment hash is not the one the device derives',
  [P.INVOICE_RULE_AMOUNT]: 'invoice amount does not obey the offer',
  [P.INVOICE_RULE_RECURRENCE]: 'recurrence fields do not match the offer',
  [P.INVOICE_RULE_TIME]: 'invoice time fields are not sane (created_at, expiry, offer expiry)',
  [P.INVOICE_RULE_PATHS]: 'the blinded payment paths are not proven paths to our node',
  [P.INVOICE_RULE_RECEIVED]: 'the amount received is below the invoice amount or above twice it',
  [P.INVOICE_RULE_EXPIRED]: 'the invoice has expired',
  [P.INVOICE_RULE_NO_OFFER]: 'the invoice_request has no offer and carries fields such a request must not have, or no invreq_amount',
};

/** The rule and offending type of an ERR_INVOICE_RULE detail word. */
export function decodeRuleDetail(detail: number): { rule: number; type?: number } {
  const rule = detail & 0xff;
  const type = detail >>> 8;
  return type ? { rule, type } : { rule };
}

/** "rule 6: invoice amount does not obey the offer (invoice_amount)". */
export function ruleSentence(detail: number): string {
  const { rule, type } = decodeRuleDetail(detail);
  const text = INVOICE_RULE_SENTENCES[rule] ?? 'unknown rule';
  const field = type === undefined ? '' : ` (${fieldName(BigInt(type)) ?? `type ${type}`})`;
  return `rule ${rule}: ${text}${field}`;
}

/** A refusal of sign_invoice / release_preimage naming the rule it broke. */
