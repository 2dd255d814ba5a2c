// fw_begin: see device/boot/update.ts and docs/firmware-images.md.
import { fwBegin } from "../../boot/update";

export function handleFwBegin(req: usize, len: i32, out: usize): i32 {
  return fwBegin(req, len, out);
}
