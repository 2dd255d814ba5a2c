// The 32-byte message BIP-340 signs for a BOLT 12 signature TLV element
// ("Signature Calculation"): m = H(tag, merkle-root) with
// tag = "lightning" ‖ messagename ‖ fieldname (plain ASCII, no separators).
// The root is always computed here from the stream bytes, never taken from
// the caller. Not re-entrant (static state).
import { SHA256_CTX_SIZE, sha256Update, sha256Final } from "../crypto/sha256";
import {
  BOLT12_OK, BOLT12_ERR_BAD_KIND, BOLT12_KIND_INVOICE_REQUEST, BOLT12_KIND_INVOICE,
} from "../../shared/bolt12-limits";
import { merkleRootChecked } from "./merkle";
import { isKnownKind } from "./ranges";
import { taggedInit3 } from "./tags";

const CTX: usize = memory.data(<i32>SHA256_CTX_SIZE);
const ROOT: usize = memory.data(32);

const LIGHTNING: usize = memory.data<u8>([0x6c, 0x69, 0x67, 0x68, 0x74, 0x6e, 0x69, 0x6e, 0x67]); // "lightning"
const INVOICE_REQUEST: usize = memory.data<u8>([
  0x69, 0x6e, 0x76, 0x6f, 0x69, 0x63, 0x65, 0x5f, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74,
]); // "invoice_request"
const SIGNATURE: usize = memory.data<u8>([0x73, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65]); // "signature"
// "invoice" is the first 7 bytes of "invoice_request".

// m = H("lightning" ‖ messagename ‖ fieldname, root) into out (may alias root).
export function signatureMessage(msgName: usize, msgNameLen: usize, fieldName: usize, fieldNameLen: usize, root: usize, out: usize): void {
  taggedInit3(CTX, LIGHTNING, 9, msgName, msgNameLen, fieldName, fieldNameLen);
  sha256Update(CTX, root, 32);
  sha256Final(CTX, out);
}

// Signature message for field `fieldName` of a message of `kind` (any kind,
// BOLT12_KIND_ANY included: the names are the caller's), after the stream
// passes framing and the kind's range rule.
export function sighashTagged(
  kind: i32, msgName: usize, msgNameLen: usize, fieldName: usize, fieldNameLen: usize,
  stream: usize, len: usize, out: usize,
): i32 {
  const r = merkleRootChecked(kind, stream, len, ROOT);
  if (r != BOLT12_OK) return r;
  signatureMessage(msgName, msgNameLen, fieldName, fieldNameLen, ROOT, out);
  return BOLT12_OK;
}

// The message to sign for the `signature` field (type 240) of an
// invoice_request (tag "lightninginvoice_requestsignature") or an invoice
// (tag "lightninginvoicesignature"). Offers are never signed.
export function sighash(kind: i32, stream: usize, len: usize, out: usize): i32 {
  if (!isKnownKind(kind)) return BOLT12_ERR_BAD_KIND;
  let nameLen: usize;
  if (kind == BOLT12_KIND_INVOICE_REQUEST) nameLen = 15;
  else if (kind == BOLT12_KIND_INVOICE) nameLen = 7;
  else return BOLT12_ERR_BAD_KIND;
  return sighashTagged(kind, INVOICE_REQUEST, nameLen, SIGNATURE, 9, stream, len, out);
}
