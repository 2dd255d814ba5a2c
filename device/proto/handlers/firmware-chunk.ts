// fw_chunk: see device/boot/update.ts and docs/firmware-images.md.
import { fwChunk } from "../../boot/update";

export function handleFwChunk(req: usize, len: i32, out: usize): i32 {
  return fwChunk(req, len, out);
}
