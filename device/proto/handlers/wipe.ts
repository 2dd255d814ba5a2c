// wipe: forgets the device's secret (docs/protocol.md "wipe"). The payload
// must be the node id being wiped, so a stray or mistyped request cannot
// erase a device. Flash: the record's magic is cleared first (unprovisioned
// from that write on), then every record byte is zeroed and the partition
// erased (device/keys/store.ts); the RAM copy is wiped.
import { ERR_BAD_PAYLOAD, ERR_FLASH, ERR_NOT_PROVISIONED, ERR_WIPE_CONFIRM, NODE_ID_SIZE, WIPE_SIZE } from "../../../shared/protocol";
import { PROV_OFF_NODE_ID } from "../../../shared/board";
import { REC, STORE_OK, storeErase, storeLoad, storeWipeRam } from "../../keys/store";
import { setErrorDetail } from "../dispatch";

export function handleWipe(req: usize, len: i32, out: usize): i32 {
  if (len < WIPE_SIZE) return -ERR_BAD_PAYLOAD;
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  // Rule: the confirmation is the current node id (public: plain compare).
  let same = true;
  for (let i: usize = 0; i < <usize>NODE_ID_SIZE; i++) {
    if (load<u8>(req + i) != load<u8>(REC + PROV_OFF_NODE_ID + i)) same = false;
  }
  storeWipeRam();
  if (!same) return -ERR_WIPE_CONFIRM;
  const r = storeErase();
  storeWipeRam();
  if (r != STORE_OK) {
    setErrorDetail(<u32>r);
    return -ERR_FLASH;
  }
  return 0;
}
