// wipe: forgets the device's secret (docs/protocol.md "wipe"). The payload
// must be exactly the node id being wiped, so a stray or mistyped request
// cannot name another device; then the user confirms on the device (the node
// id is public: it is no confirmation). Flash: the record's magic is cleared
// first (unprovisioned from that write on), then every record byte is zeroed
// and the partition erased (device/keys/store.ts); the RAM copy is wiped.
import { ERR_BAD_PAYLOAD, ERR_FLASH, ERR_NOT_PROVISIONED, ERR_WIPE_CONFIRM, MSG_WIPE, NODE_ID_SIZE, WIPE_SIZE } from "../../../shared/protocol";
import { PROV_OFF_NODE_ID } from "../../../shared/board";
import { REC, STORE_OK, storeErase, storeLoad, storeWipeRam } from "../../keys/store";
import { confirmGate } from "../../confirm/gate";
import { textHex, textReset, textStr } from "../../confirm/text";
import { setErrorDetail } from "../dispatch";

export function handleWipe(req: usize, len: i32, out: usize): i32 {
  // Rule (issue 9): the wipe payload has its exact length.
  if (len != WIPE_SIZE) return -ERR_BAD_PAYLOAD;
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  // Rule: the payload is the current node id (public: plain compare).
  let same = true;
  for (let i: usize = 0; i < <usize>NODE_ID_SIZE; i++) {
    if (load<u8>(req + i) != load<u8>(REC + PROV_OFF_NODE_ID + i)) same = false;
  }
  storeWipeRam();
  if (!same) return -ERR_WIPE_CONFIRM;
  // Rule (issue 9): wipe needs the user's press.
  textReset();
  textStr("Wipe the device?\nNode ");
  textHex(req, 8);
  textStr("...\nThe secret is erased for good\n");
  const g = confirmGate(MSG_WIPE, req, <usize>len);
  if (g != 0) return g;
  const r = storeErase();
  storeWipeRam();
  if (r != STORE_OK) {
    setErrorDetail(<u32>r);
    return -ERR_FLASH;
  }
  return 0;
}
