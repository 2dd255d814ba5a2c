// get_info: the device's public description (INFO_* layout in
// shared/protocol.ts). Reads the public header of the provisioning record;
// never reads or reports the secret.
import {
  ERR_BAD_PAYLOAD, FRAME_MAX_PAYLOAD, HASH_SIZE, INFO_FLAG_DEV_BUILD, INFO_FLAG_PROVISIONED, INFO_OFF_BOOT_COUNT, INFO_OFF_FLAGS,
  INFO_OFF_FW_VERSION, INFO_OFF_IMAGE_HASH, INFO_OFF_MAX_PAYLOAD, INFO_OFF_NETWORK, INFO_OFF_NODE_ID,
  INFO_OFF_PROTO, INFO_OFF_SESSION, INFO_OFF_SLOT, INFO_SIZE, NET_NONE, NODE_ID_SIZE, PROTO_VERSION,
  DEVICE_ID_SIZE, INFO_OFF_DEVICE_ID,
} from "../../../shared/protocol";
import {
  BOOT_INFO_OFF_IMAGE_HASH, BOOT_INFO_OFF_SLOT, PROV_OFF_NETWORK,
  PROV_OFF_NODE_ID, PROV_OFF_DEVICE_ID, PROV_OFF_SECRET,
} from "../../../shared/board";
import { storeReadPublic } from "../../keys/store";
import { copyBytes, fillBytes, put16, put32 } from "../bytes";
import { bootCount, bootInfo, bootSession } from "../boot";
import { runningVersion } from "../../boot/running";
import { RELEASE_DEV } from "../../boot/release-key";

// The public header: everything before the secret part (node id, device id).
const PROV_HDR_SIZE: u32 = <u32>PROV_OFF_SECRET;
const PROV_HDR: usize = memory.data(<i32>PROV_HDR_SIZE);

/** Reads the provisioning record's public header; true when it is valid
 *  (committed and intact: magic and CRC, device/keys/store.ts). */
function readProvHeader(): bool {
  return storeReadPublic(PROV_HDR, PROV_HDR_SIZE);
}

export function isProvisioned(): bool {
  return readProvHeader();
}

export function handleGetInfo(req: usize, len: i32, out: usize): i32 {
  if (len != 0) return -ERR_BAD_PAYLOAD;
  fillBytes(out, 0, INFO_SIZE);
  const prov = readProvHeader();
  store<u8>(out + INFO_OFF_PROTO, PROTO_VERSION);
  // A development build says so (issue 9): it trusts the development release key.
  store<u8>(out + INFO_OFF_FLAGS, <u8>((prov ? INFO_FLAG_PROVISIONED : 0) | (RELEASE_DEV ? INFO_FLAG_DEV_BUILD : 0)));
  store<u8>(out + INFO_OFF_NETWORK, prov ? load<u8>(PROV_HDR + PROV_OFF_NETWORK) : <u8>NET_NONE);
  store<u8>(out + INFO_OFF_SLOT, load<u8>(bootInfo() + BOOT_INFO_OFF_SLOT));
  put32(out + INFO_OFF_FW_VERSION, runningVersion()); // the signed image version (device/boot/running.ts)
  put32(out + INFO_OFF_BOOT_COUNT, bootCount());
  put32(out + INFO_OFF_SESSION, bootSession());
  put16(out + INFO_OFF_MAX_PAYLOAD, FRAME_MAX_PAYLOAD);
  copyBytes(out + INFO_OFF_IMAGE_HASH, bootInfo() + BOOT_INFO_OFF_IMAGE_HASH, HASH_SIZE);
  if (prov) copyBytes(out + INFO_OFF_NODE_ID, PROV_HDR + PROV_OFF_NODE_ID, NODE_ID_SIZE);
  if (prov) copyBytes(out + INFO_OFF_DEVICE_ID, PROV_HDR + PROV_OFF_DEVICE_ID, DEVICE_ID_SIZE);
  return INFO_SIZE;
}
