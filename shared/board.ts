// The firmware's contract with its board (a microcontroller's support package
// or the emulator) beyond the import list of shared/firmware-abi.ts: the boot
// info block the board hands over at boot and the flash layout. Read by both
// compilers (AssemblyScript for device/, TypeScript for host/emulator/), so only
// integer constants here. docs/firmware.md describes them.

// ---- Boot info: written by the board at fw_boot_info_ptr() before fw_boot() --
//  0 reset reason u8 | 1 active slot u8 | 2 reserved u16 | 4 image version u32le |
//  8 image length u32le | 12 reserved u32 | 16 image sha256[32]   (48 bytes)
export const BOOT_INFO_OFF_REASON = 0;
export const BOOT_INFO_OFF_SLOT = 1;
export const BOOT_INFO_OFF_IMAGE_VERSION = 4;
export const BOOT_INFO_OFF_IMAGE_LEN = 8;
export const BOOT_INFO_OFF_IMAGE_HASH = 16;
export const BOOT_INFO_SIZE = 48;

/** Reset reasons. */
export const RESET_POWER_ON = 1;
/** Reset pin, or the emulator's reset fault / SIGHUP. */
export const RESET_PIN = 2;
export const RESET_WATCHDOG = 3;
/** The firmware asked for it (reboot request, after an update). */
export const RESET_SOFTWARE = 4;

/** Active slot: 0 = an image the board loaded directly (emulator --image, a
 *  debugger), 1 = slot A, 2 = slot B (bootloader work). */
export const SLOT_DIRECT = 0;
export const SLOT_A = 1;
export const SLOT_B = 2;

// ---- Flash ----------------------------------------------------------------
// NOR semantics, enforced by the emulator: erase sets whole sectors to 0xFF;
// a write may only clear bits (1 -> 0). Accesses must stay inside one
// partition. Offsets and sizes are multiples of FLASH_SECTOR.
export const FLASH_SECTOR = 4096;

/** Firmware counters (boot count now; anti-rollback later). */
export const FLASH_COUNTERS_OFF = 0x00000;
export const FLASH_COUNTERS_SIZE = 0x01000;
/** The provisioning record (owned by the provisioning work). */
export const FLASH_SECRET_OFF = 0x01000;
export const FLASH_SECRET_SIZE = 0x02000;
/** The bootloader's boot record: two sectors, one copy each (BOOTREC_* in
 *  shared/firmware-image.ts). */
export const FLASH_BOOT_OFF = 0x03000;
export const FLASH_BOOT_SIZE = 0x02000;
/** Spending policy and its 24-hour spend log: two sectors, one copy each
 *  (POLICY_* in shared/protocol.ts; device/policy/store.ts). */
export const FLASH_POLICY_OFF = 0x05000;
export const FLASH_POLICY_SIZE = 0x02000;
/** The payer's pay log (issue 12): invoices, parts and recurrence periods
 *  the device paid; two sectors, one copy each (device/payer/store.ts). */
export const FLASH_PAYLOG_OFF = 0x07000;
export const FLASH_PAYLOG_SIZE = 0x02000;
/** Firmware image slots A and B (owned by the bootloader work). */
export const FLASH_SLOT_A_OFF = 0x10000;
export const FLASH_SLOT_B_OFF = 0x40000;
export const FLASH_SLOT_SIZE = 0x30000;
export const FLASH_SIZE = 0x70000;

/** Board flash call results (0 = done). */
export const FLASH_OK = 0;
export const FLASH_ERR_RANGE = 1;
export const FLASH_ERR_ALIGN = 2;
/** A write tried to set a bit the last erase had not set (write without erase). */
export const FLASH_ERR_NOT_ERASED = 3;
export const FLASH_ERR_IO = 4;

// ---- Counters record at FLASH_COUNTERS_OFF -----------------------------------
//  0 magic u32le | 4 boot count u32le
export const COUNTERS_MAGIC = 0x52544e43; // "CNTR"
export const COUNTERS_OFF_BOOTS = 4;
export const COUNTERS_SIZE = 8;

// ---- Provisioning record header at FLASH_SECRET_OFF (public part) ------------
// What get_info reads; the secret's own encoding follows at PROV_OFF_SECRET and
// is defined by the provisioning work.
//  0 magic u32le | 4 network u8 | 5 flags u8 | 6 reserved u16 | 8 node id[33]
export const PROV_MAGIC = 0x564f5250; // "PROV"
export const PROV_OFF_NETWORK = 4;
export const PROV_OFF_NODE_ID = 8;
export const PROV_OFF_SECRET = 64;
// Secret part (device/keys/store.ts):
// 41 device id[16] (PROV_OFF_DEVICE_ID) | 57 zero[7] | 64 node private key[32] | 96 makesecret("node-alias-base")[32] |
// 128 CRC-32C u32le of bytes 4..127   (132 bytes)
// Commit rule: everything but the magic is written (and read back) first, the
// magic last; wipe clears the magic to 0 first. A record counts only with the
// magic and a matching CRC, so a power cut leaves the old state or the new.
export const PROV_OFF_FLAGS = 5;
export const PROV_OFF_NODE_KEY = 64;
export const PROV_OFF_ALIAS_BASE = 96;
export const PROV_OFF_CRC = 128;
export const PROV_RECORD_SIZE = 132;
/** flags bit: the secret was drawn by the device (provision generate). */
export const PROV_FLAG_GENERATED = 1;
/** Device id (16 random bytes drawn at provisioning; get_info reports it),
 *  in the record's formerly reserved zero area, covered by the CRC. */
export const PROV_OFF_DEVICE_ID = 41;

// ---- User prompt (env.prompt_show / env.prompt_poll; docs/firmware.md) ----------
/** Most bytes of prompt text: up to 4 lines of up to 32 characters, '\n' separated. */
export const PROMPT_MAX_TEXT = 160;
export const PROMPT_MAX_LINES = 4;
export const PROMPT_LINE_CHARS = 32;
/** env.prompt_poll() answers. */
export const PROMPT_WAITING = 0;
export const PROMPT_APPROVED = 1;
export const PROMPT_DENIED = 2;
/** The board's own timeout expired without a press. */
export const PROMPT_TIMEOUT = 3;
