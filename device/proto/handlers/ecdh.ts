// ecdh: Lightning ECDH with the node key (BOLT 4 / libsecp256k1 default):
// SHA-256 of the compressed point k·P. The node key is loaded from flash for
// this request only and wiped with the secp scratch before the reply.
import { ECDH_POINT_SIZE, ECDH_REPLY_SIZE, ERR_BAD_PAYLOAD, ERR_ECDH_POINT, ERR_NOT_PROVISIONED } from "../../../shared/protocol";
import { PROV_OFF_NODE_KEY } from "../../../shared/board";
import { SECP_OK } from "../../../shared/crypto-status";
import { ecdh } from "../../crypto/ecdh";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import { setErrorDetail } from "../dispatch";

export function handleEcdh(req: usize, len: i32, out: usize): i32 {
  // Issue 9: exactly the point — a longer payload is not this request's layout.
  if (len != ECDH_POINT_SIZE) return -ERR_BAD_PAYLOAD;
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  // ecdh parses the point (prefix 02/03, x < p, on the curve) before any use
  // of the key, and writes out only on success.
  const r = ecdh(out, REC + PROV_OFF_NODE_KEY, req);
  storeWipeRam();
  if (r != SECP_OK) {
    setErrorDetail(<u32>r);
    return -ERR_ECDH_POINT;
  }
  return ECDH_REPLY_SIZE;
}
