// sign_payer_proof (0x29, docs/protocol.md "sign_payer_proof"): the payload,
// the rule sentences of its refusals (ERR_PROOF_RULE), and the host's check
// of the reply before it is used: the returned key is the invoice's
// invreq_payer_id, the root is the one the host computed for the same proof
// (host/bolt12/payer-proof.ts), and the signature verifies over
// H("lightning" ‖ "payer_proof" ‖ "proof_signature", root) under that key.
import * as P from '../../shared/protocol.js';
import { proofSignatureValid, type UnsignedPayerProof } from '../bolt12/payer-proof.js';
import { DeviceError } from '../transport/errors.js';
import { SignatureVerificationError } from './requests.js';
import { proofRuleSentence } from './proof-rule-text.js';
export { PROOF_RULE_SENTENCES, proofRuleSentence } from './proof-rule-text.js';

export interface PayerProofSignRequest {
  /** The signed invoice TLV stream (with its signature 240). */
  invoice: Uint8Array;
  preimage: Uint8Array;
  /** Invoice field types to disclose besides the required ones (ascending, present in the invoice). */
  include: readonly bigint[];
  /** proof_note ('' or absent: none). */
  note?: string;
}

export interface PayerProofSignature {
  /** proof_signature (BIP-340, 64 bytes). */
  signature: Uint8Array;
  /** The proof's Merkle root the device computed. */
  proofRoot: Uint8Array;
  keyKind: 'payer' | 'node';
  /** invreq_payer_id (33 bytes). */
  payerId: Uint8Array;
}

export function encodeSignPayerProof(r: PayerProofSignRequest): Uint8Array {
  const note = new TextEncoder().encode(r.note ?? '');
  const inc = [...r.include];
  if (inc.length > P.PROOF_MAX_INCLUDE) throw new RangeError(`at most ${P.PROOF_MAX_INCLUDE} include types`);
  for (const t of inc) if (t < 0n || t > 0xffffffffn) throw new RangeError(`include type ${t} does not fit u32`);
  if (r.preimage.length !== 32) throw new RangeError('the preimage must be 32 bytes');
  if (note.length > 0xffff || r.invoice.length > 0xffff) throw new RangeError('note or invoice too long');
  const out = new Uint8Array(P.PROOF_OFF_INCLUDE + inc.length * 4 + note.length + r.invoice.length);
  const dv = new DataView(out.buffer);
  out[P.PROOF_OFF_FLAGS] = 0;
  out[P.PROOF_OFF_INCLUDE_COUNT] = inc.length;
  dv.setUint16(P.PROOF_OFF_NOTE_LEN, note.length, true);
  dv.setUint16(P.PROOF_OFF_INVOICE_LEN, r.invoice.length, true);
  out.set(r.preimage, P.PROOF_OFF_PREIMAGE);
  inc.forEach((t, i) => dv.setUint32(P.PROOF_OFF_INCLUDE + i * 4, Number(t), true));
  out.set(note, P.PROOF_OFF_INCLUDE + inc.length * 4);
  out.set(r.invoice, P.PROOF_OFF_INCLUDE + inc.length * 4 + note.length);
  return out;
}

export class ProofRuleError extends DeviceError {
  readonly rule: number;
  readonly sentence: string;
  constructor(status: number, requestType: number, detail: number) {
    super(status, requestType, detail);
    this.rule = detail & 0xff;
    this.sentence = proofRuleSentence(detail);
    this.message = `device refused the payer proof: ${this.sentence}`;
    this.name = 'ProofRuleError';
  }
}

function withProofRule(e: unknown): never {
  if (e instanceof DeviceError && e.status === P.ERR_PROOF_RULE) throw new ProofRuleError(e.status, e.requestType, e.detail);
  throw e;
}

/**
 * Checks a sign_payer_proof reply against the proof the host built from the
 * same inputs: key = invreq_payer_id, root = the host's proof root, and a
 * valid BIP-340 signature over the tagged root. SignatureVerificationError
 * otherwise.
 */
export function verifySignPayerProofReply(unsigned: UnsignedPayerProof, reply: Uint8Array): PayerProofSignature {
  if (reply.length !== P.SIGN_REPLY_SIZE) throw new SignatureVerificationError(`sign_payer_proof reply of ${reply.length} bytes`);
  const signature = reply.slice(P.SIGN_REPLY_OFF_SIG, P.SIGN_REPLY_OFF_SIG + 64);
  const proofRoot = reply.slice(P.SIGN_REPLY_OFF_ROOT, P.SIGN_REPLY_OFF_ROOT + 32);
  const kind = reply[P.SIGN_REPLY_OFF_KEY_KIND];
  const payerId = reply.slice(P.SIGN_REPLY_OFF_KEY, P.SIGN_REPLY_OFF_KEY + P.NODE_ID_SIZE);
  const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (kind !== P.SIGN_KEY_PAYER && kind !== P.SIGN_KEY_NODE) throw new SignatureVerificationError(`sign_payer_proof: key kind ${kind}`);
  if (!eq(payerId, unsigned.payerId)) throw new SignatureVerificationError('sign_payer_proof: the device signed with a key other than invreq_payer_id');
  if (!eq(proofRoot, unsigned.proofRoot)) throw new SignatureVerificationError("sign_payer_proof: the device's proof root differs from the host's");
  if (!proofSignatureValid(unsigned, signature)) throw new SignatureVerificationError('sign_payer_proof: proof_signature does not verify');
  return { signature, proofRoot, keyKind: kind === P.SIGN_KEY_PAYER ? 'payer' : 'node', payerId };
}

/** Something that sends one request and resolves to its reply payload (DeviceClient.transport). */
export interface RequestPort {
  request(type: number, payload: Uint8Array): Promise<Uint8Array>;
}

/** The request for the proof `unsigned`: its invoice, preimage, disclosed types and note. */
export function proofSignRequest(unsigned: UnsignedPayerProof): PayerProofSignRequest {
  return { invoice: unsigned.invoice.bytes, preimage: unsigned.preimage, include: unsigned.includedTypes, note: unsigned.note };
}

/**
 * Has the device sign the proof `unsigned` (buildUnsignedPayerProof): it
 * gets the same invoice, preimage, disclosed types and note and computes the
 * proof itself; the reply is checked before it is returned. Refusals come as
 * ProofRuleError naming the rule.
 */
export async function signPayerProofOn(port: RequestPort, unsigned: UnsignedPayerProof): Promise<PayerProofSignature> {
  const r = await port.request(P.MSG_SIGN_PAYER_PROOF, encodeSignPayerProof(proofSignRequest(unsigned))).catch(withProofRule);
  return verifySignPayerProofReply(unsigned, r);
}
