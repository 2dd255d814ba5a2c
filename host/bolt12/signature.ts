// Signature layer: BIP-340 verification of a BOLT 12 `signature` record. The
// host holds no keys, so there is no signing here.
import { secp } from '../crypto/noble.js';
import { Bolt12SignatureError } from './errors.js';
import { merkleRootOfRecords, signatureMessage } from './merkle.js';
import type { Invoice, InvoiceRequest } from './message.js';
import type { TlvRecord } from './tlv.js';

/**
 * Verifies `sig` over the Merkle root of `records` with tag
 * "lightning" ‖ messageName ‖ fieldName, for the 33-byte key `pubkey` (used
 * x-only, as BIP-340 does).
 */
export function verifyBolt12Signature(
  messageName: 'invoice_request' | 'invoice',
  records: readonly TlvRecord[],
  pubkey: Uint8Array,
  sig: Uint8Array,
  fieldName = 'signature',
): boolean {
  const m = signatureMessage(messageName, fieldName, merkleRootOfRecords(records));
  try {
    return secp.schnorr.verify(sig, m, pubkey.subarray(1));
  } catch {
    return false;
  }
}

/** The reason the signature of `msg` is not acceptable, or undefined if it verifies. */
export function signatureProblem(msg: InvoiceRequest | Invoice): string | undefined {
  const key = msg.kind === 'invoice' ? msg.fields.invoice_node_id : msg.fields.invreq_payer_id;
  const keyName = msg.kind === 'invoice' ? 'invoice_node_id' : 'invreq_payer_id';
  if (!key) return `missing ${keyName}, so the signature cannot be checked`;
  const sig = msg.fields.signature;
  if (!sig) return 'missing signature';
  if (!verifyBolt12Signature(msg.kind, msg.records, key, sig)) return `signature does not verify for ${keyName}`;
  return undefined;
}

/** Throws Bolt12SignatureError unless `msg` carries a valid signature. */
export function checkSignature(msg: InvoiceRequest | Invoice): void {
  const p = signatureProblem(msg);
  if (p) throw new Bolt12SignatureError(`${msg.kind}: ${p}`);
}
