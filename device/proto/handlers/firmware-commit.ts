// fw_commit: see device/boot/update.ts and docs/firmware-images.md.
import { fwCommit } from "../../boot/update";

export function handleFwCommit(req: usize, len: i32, out: usize): i32 {
  return fwCommit(req, len, out);
}
