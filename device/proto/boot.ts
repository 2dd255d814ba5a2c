// Boot: the board fills the boot info block (shared/board.ts) and calls
// fw_boot(); the firmware forgets any partial frame, counts the boot in flash
// and announces itself with a boot event so the host knows a reset happened.
import { BOOT_EVT_OFF_COUNT, BOOT_EVT_OFF_PROTO, BOOT_EVT_OFF_SESSION, BOOT_EVT_OFF_REASON, BOOT_EVT_SIZE, ID_NONE, MSG_EVT_BOOT, PROTO_VERSION } from "../../shared/protocol";
import {
  BOOT_INFO_OFF_REASON, BOOT_INFO_SIZE, COUNTERS_MAGIC, COUNTERS_OFF_BOOTS, COUNTERS_SIZE, FLASH_COUNTERS_OFF,
  FLASH_COUNTERS_SIZE, FLASH_OK, RESET_POWER_ON,
} from "../../shared/board";
import { hal_entropy } from "../hal";
import { board_flash_erase, board_flash_read, board_flash_write } from "./board";
import { fillBytes, get32, put32 } from "./bytes";
import { rxReset } from "./rx";
import { sendFrame, txPayload } from "./tx";

const BOOT_INFO: usize = memory.data(BOOT_INFO_SIZE);
const COUNTERS: usize = memory.data(COUNTERS_SIZE);
let boots: u32 = 0;
let session: u32 = 0;

export function bootInfo(): usize {
  return BOOT_INFO;
}

export function bootCount(): u32 {
  return boots;
}

export function bootSession(): u32 {
  return session;
}

// A fresh random session id per boot (0 if the entropy source failed).
function drawSession(): u32 {
  if (hal_entropy(COUNTERS, 4) != 0) return 0;
  return get32(COUNTERS);
}

// Counts this boot in flash. A flash failure must not stop the device from
// serving: the count then stays at what RAM knows.
function countBoot(): u32 {
  let n: u32 = 1;
  if (board_flash_read(FLASH_COUNTERS_OFF, COUNTERS, COUNTERS_SIZE) == FLASH_OK && get32(COUNTERS) == COUNTERS_MAGIC) {
    n = get32(COUNTERS + COUNTERS_OFF_BOOTS) + 1;
  }
  if (board_flash_erase(FLASH_COUNTERS_OFF, FLASH_COUNTERS_SIZE) != FLASH_OK) return n;
  fillBytes(COUNTERS, 0xff, COUNTERS_SIZE);
  put32(COUNTERS, COUNTERS_MAGIC);
  put32(COUNTERS + COUNTERS_OFF_BOOTS, n);
  board_flash_write(FLASH_COUNTERS_OFF, COUNTERS, COUNTERS_SIZE);
  return n;
}

export function boot(): void {
  rxReset();
  session = drawSession();
  boots = countBoot();
  let reason = <i32>load<u8>(BOOT_INFO + BOOT_INFO_OFF_REASON);
  if (reason == 0) reason = RESET_POWER_ON;
  const p = txPayload();
  fillBytes(p, 0, BOOT_EVT_SIZE);
  store<u8>(p + BOOT_EVT_OFF_REASON, <u8>reason);
  store<u8>(p + BOOT_EVT_OFF_PROTO, PROTO_VERSION);
  put32(p + BOOT_EVT_OFF_COUNT, boots);
  put32(p + BOOT_EVT_OFF_SESSION, session);
  sendFrame(MSG_EVT_BOOT, ID_NONE, BOOT_EVT_SIZE);
}
