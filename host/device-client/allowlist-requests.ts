// allowlist (MSG_ALLOWLIST, issue 12; docs/protocol.md "allowlist"): the
// offers the device pays without a press above confirm_above_msat.
//   request: op u8 (ALLOWLIST_OP_*) | offer_id[32] (add, remove; list: op only)
//   reply:   count u8 | offer ids[32 × count] (the list after the operation)
import * as P from '../../shared/protocol.js';

export type AllowlistOp = 'add' | 'remove' | 'list';

const OPS: Record<AllowlistOp, number> = {
  add: P.ALLOWLIST_OP_ADD,
  remove: P.ALLOWLIST_OP_REMOVE,
  list: P.ALLOWLIST_OP_LIST,
};

export function encodeAllowlist(op: AllowlistOp, offerId?: Uint8Array): Uint8Array {
  if (op === 'list') {
    if (offerId) throw new Error('allowlist list takes no offer id');
    return Uint8Array.of(P.ALLOWLIST_OP_LIST);
  }
  if (!offerId || offerId.length !== P.OFFER_ID_SIZE) throw new Error(`allowlist ${op} needs a ${P.OFFER_ID_SIZE}-byte offer id`);
  const out = new Uint8Array(1 + P.OFFER_ID_SIZE);
  out[0] = OPS[op];
  out.set(offerId, 1);
  return out;
}

/** The reply: the offer ids on the list, checked for shape (count ≤ ALLOWLIST_CAP, exact length). */
export function decodeAllowlist(r: Uint8Array): Uint8Array[] {
  if (r.length < 1) throw new Error('empty allowlist reply');
  const n = r[0];
  if (n > P.ALLOWLIST_CAP || r.length !== 1 + n * P.OFFER_ID_SIZE) throw new Error(`allowlist reply of ${r.length} bytes for ${n} ids`);
  return Array.from({ length: n }, (_, i) => r.slice(1 + i * P.OFFER_ID_SIZE, 1 + (i + 1) * P.OFFER_ID_SIZE));
}
