// The rules sign_payer_proof enforces (ERR_PROOF_RULE, detail = rule |
// offending TLV type, or include index for rule 5, << 8) as sentences
// (shared/protocol.ts PROOF_RULE_*; docs/protocol.md "sign_payer_proof").
// Its own module so explain.ts can use it without an import cycle.
import * as P from '../../shared/protocol.js';

/** What each PROOF_RULE_* refusal means. */
export const PROOF_RULE_SENTENCES: Readonly<Record<number, string>> = {
  [P.PROOF_RULE_PARSE]: 'rule 1 (parse): the invoice is not a strictly framed invoice with invreq_metadata first, invreq_payer_id, invoice_payment_hash, invoice_node_id and signature (and at most 48 records)',
  [P.PROOF_RULE_SIGNATURE]: 'rule 2 (signature): the invoice signature does not verify under invoice_node_id',
  [P.PROOF_RULE_PREIMAGE]: 'rule 3 (preimage): SHA256(preimage) is not invoice_payment_hash',
  [P.PROOF_RULE_OURS]: "rule 4 (ours): invreq_payer_id is not the device's payer key for invreq_metadata (nor its node id)",
  [P.PROOF_RULE_INCLUDE]: 'rule 5 (include): the disclosure list is not ascending invoice fields (never invreq_metadata or a signature)',
  [P.PROOF_RULE_NOTE]: 'rule 6 (note): the note is not valid UTF-8',
};

/** ERR_PROOF_RULE detail as a sentence. */
export function proofRuleSentence(detail: number): string {
  const rule = detail & 0xff;
  const at = detail >>> 8;
  const s = PROOF_RULE_SENTENCES[rule] ?? `rule ${rule}`;
  if (!at) return s;
  return rule === P.PROOF_RULE_INCLUDE ? `${s} (entry ${at})` : `${s} (TLV ${at})`;
}

