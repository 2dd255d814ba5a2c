// NOR flash in RAM for the self-test and benchmark builds: the partitions of
// shared/board.ts below the image slots (counters, secret, boot record,
// policy, pay log), erased at start, with the emulator's rules (host/emulator/flash.ts):
// an access stays inside one partition, a write only clears bits, an erase
// covers whole sectors. The image slots are not backed (FLASH_ERR_RANGE).
#include <string.h>
#include "board.h"

#define RAMFLASH_SIZE (FLASH_PAYLOG_OFF + FLASH_PAYLOG_SIZE)
static uint8_t ramflash[RAMFLASH_SIZE] __attribute__((section(".flash_standin")));

static const uint32_t parts[][2] = {
  {FLASH_COUNTERS_OFF, FLASH_COUNTERS_SIZE},
  {FLASH_SECRET_OFF, FLASH_SECRET_SIZE},
  {FLASH_BOOT_OFF, FLASH_BOOT_SIZE},
  {FLASH_POLICY_OFF, FLASH_POLICY_SIZE},
  {FLASH_PAYLOG_OFF, FLASH_PAYLOG_SIZE},
};

// Rule (shared/board.ts): an access stays inside one partition.
static int inside(uint32_t off, uint32_t len) {
  for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; i++)
    if (off >= parts[i][0] && len <= parts[i][1] && off - parts[i][0] <= parts[i][1] - len) return 1;
  return 0;
}

void ramflash_init(void) { memset(ramflash, 0xff, sizeof ramflash); }

int32_t ramflash_read(uint32_t off, uint8_t *p, uint32_t len) {
  if (!inside(off, len)) return FLASH_ERR_RANGE;
  memcpy(p, ramflash + off, len);
  return FLASH_OK;
}

int32_t ramflash_write(uint32_t off, const uint8_t *p, uint32_t len) {
  if (!inside(off, len)) return FLASH_ERR_RANGE;
  // Rule (NOR): programming only clears bits; setting one needs an erase.
  for (uint32_t i = 0; i < len; i++)
    if ((ramflash[off + i] & p[i]) != p[i]) return FLASH_ERR_NOT_ERASED;
  memcpy(ramflash + off, p, len);
  return FLASH_OK;
}

int32_t ramflash_erase(uint32_t off, uint32_t len) {
  // Rule: erases cover whole sectors.
  if (off % FLASH_SECTOR != 0 || len % FLASH_SECTOR != 0) return FLASH_ERR_ALIGN;
  if (!inside(off, len)) return FLASH_ERR_RANGE;
  memset(ramflash + off, 0xff, len);
  return FLASH_OK;
}
