// reboot: see device/boot/update.ts and docs/firmware-images.md.
import { fwReboot } from "../../boot/update";

export function handleFwReboot(req: usize, len: i32, out: usize): i32 {
  return fwReboot(req, len, out);
}
