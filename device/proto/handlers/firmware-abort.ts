// fw_abort: see device/boot/update.ts and docs/firmware-images.md.
import { fwAbort } from "../../boot/update";

export function handleFwAbort(req: usize, len: i32, out: usize): i32 {
  return fwAbort(req, len, out);
}
