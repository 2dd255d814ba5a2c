// Checks a TLV stream without hashing it: BOLT 1 framing (tlv.ts) and the
// type ranges BOLT 12 allows for the message kind (ranges.ts). An empty
// stream is well framed (BOLT 1); BOLT 12's required-field rules are the
// policy layer's business, not the codec's.
import { BOLT12_OK, BOLT12_ERR_TOO_LONG, BOLT12_ERR_TYPE_RANGE, BOLT12_ERR_BAD_KIND, BOLT12_MAX_MESSAGE } from "../../shared/bolt12-limits";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvType } from "./tlv";
import { isKnownKind, typeAllowed } from "./ranges";

const CURSOR: usize = memory.data(<i32>TLV_CURSOR_SIZE);

export function validateStream(kind: i32, stream: usize, len: usize): i32 {
  if (!isKnownKind(kind)) return BOLT12_ERR_BAD_KIND;
  if (len > <usize>BOLT12_MAX_MESSAGE) return BOLT12_ERR_TOO_LONG;
  tlvBegin(CURSOR, stream, len);
  let r = tlvNext(CURSOR);
  while (r == BOLT12_OK) {
    if (!typeAllowed(kind, tlvType(CURSOR))) return BOLT12_ERR_TYPE_RANGE;
    r = tlvNext(CURSOR);
  }
  return r == TLV_END ? BOLT12_OK : r;
}
