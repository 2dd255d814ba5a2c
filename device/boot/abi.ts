// Board-facing exports of the bootloader (docs/firmware-images.md):
//   boot_select(reason) -> slot | BOOT_SELECT_TRIAL   (first stage, before fw_boot)
//   boot_trial_result(ok)                              (first stage, after the trial self-test)
//   fw_reset_pending() -> 1 when the board should reset the device now (after
//                         serial_rx returned: the reboot reply is out)
import { bootSelect, bootTrialResult } from "./stage1";
import { isResetPending } from "./running";

export function boot_select(reason: i32): i32 {
  return bootSelect();
}

export function boot_trial_result(ok: i32): void {
  bootTrialResult(ok);
}

export function fw_reset_pending(): i32 {
  return isResetPending() ? 1 : 0;
}
