// The merchant rules the device enforces in sign_invoice and release_preimage
// (ERR_INVOICE_RULE, detail = rule | offending TLV type << 8), as sentences a
// person can read: the issue asks that every refusal names its rule. Rule
// numbers and their meaning: docs/firmware/merchant.md, shared/protocol.ts
// (INVOICE_RULE_*).
import * as P from '../../shared/protocol.js';
import { DeviceError } from '../transport/errors.js';
import { decodeRuleDetail, ruleSentence } from './invoice-rule-text.js';
export { INVOICE_RULE_SENTENCES, decodeRuleDetail, ruleSentence } from './invoice-rule-text.js';

export class InvoiceRuleError extends DeviceError {
  readonly rule: number;
  readonly type?: number;
  readonly sentence: string;
  constructor(status: number, requestType: number, detail: number) {
    super(status, requestType, detail);
    const d = decodeRuleDetail(detail);
    this.rule = d.rule;
    this.type = d.type;
    this.sentence = ruleSentence(detail);
    this.message = `device refused the invoice: ${this.sentence}`;
    this.name = 'InvoiceRuleError';
  }
}

/** Rethrows an ERR_INVOICE_RULE DeviceError as InvoiceRuleError; anything else unchanged. */
export function withRuleSentence(e: unknown): never {
  if (e instanceof DeviceError && e.status === P.ERR_INVOICE_RULE) throw new InvoiceRuleError(e.status, e.requestType, e.detail);
  throw e;
}
