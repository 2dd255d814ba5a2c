// The TLV type ranges BOLT 12 allows in each message (BOLT 12 §"TLV Fields",
// reader requirements), and the signature range left out of the merkle tree.
import {
  BOLT12_KIND_ANY, BOLT12_KIND_OFFER, BOLT12_KIND_INVOICE_REQUEST, BOLT12_KIND_INVOICE,
} from "../../shared/bolt12-limits";

// BOLT 12 "Signature Calculation": each form is signed using one or more
// signature TLV elements: TLV types 240 through 1000 (inclusive).
@inline export function isSignatureType(t: u64): bool {
  return t >= 240 && t <= 1000;
}

export function isKnownKind(kind: i32): bool {
  return kind >= BOLT12_KIND_ANY && kind <= BOLT12_KIND_INVOICE;
}

// True when a record of type t may appear in a message of `kind`.
export function typeAllowed(kind: i32, t: u64): bool {
  if (kind == BOLT12_KIND_OFFER) {
    // BOLT 12 offer reader: if the offer contains any TLV fields outside the
    // inclusive ranges: 1 to 79 and 1000000000 to 1999999999: MUST NOT
    // respond to the offer.
    return (t >= 1 && t <= 79) || (t >= 1000000000 && t <= 1999999999);
  }
  if (kind == BOLT12_KIND_INVOICE_REQUEST) {
    // BOLT 12 invoice_request reader: MUST reject the invoice request if any
    // non-signature TLV fields are outside the inclusive ranges: 0 to 159 and
    // 1000000000 to 2999999999.
    return isSignatureType(t) || t <= 159 || (t >= 1000000000 && t <= 2999999999);
  }
  if (kind == BOLT12_KIND_INVOICE) {
    // BOLT 12 invoice: the invoice_request ranges mirrored, the invoice's own
    // fields 160..239 (the spec's field table ends at 176; 240 starts the
    // signatures), and the invoice experimental range 3000000000..3999999999
    // used by implementations (the merged text states no invoice range rule).
    return isSignatureType(t) || t <= 239 || (t >= 1000000000 && t <= 3999999999);
  }
  return true; // BOLT12_KIND_ANY: framing only
}
