// The firmware's imports (shared/firmware-abi.ts FIRMWARE_IMPORTS), one C
// function each, named as wasm2c names them (Z_envZ_<name>). native/build.mjs
// checks this file against FIRMWARE_IMPORTS and against the module's import
// section: an import without a function here fails the build.
// Pointers come from the firmware: each is checked against linear memory, and
// a bad one becomes an error code, never a trap (as host/firmware/load.ts).
#include "board.h"


u32 Z_envZ_entropy(struct Z_env_instance_t *env, u32 ptr, u32 len) {
  (void)env;
  uint8_t *p = fw_mem(ptr, len);
  return p ? (u32)board_entropy(p, len) : 1;
}

void Z_envZ_serial_write(struct Z_env_instance_t *env, u32 ptr, u32 len) {
  (void)env;
  uint8_t *p = fw_mem(ptr, len);
  if (p) board_serial_write(p, len);
}

u32 Z_envZ_flash_read(struct Z_env_instance_t *env, u32 off, u32 ptr, u32 len) {
  (void)env;
  uint8_t *p = fw_mem(ptr, len);
  return p ? (u32)board_flash_read(off, p, len) : FLASH_ERR_RANGE;
}

u32 Z_envZ_flash_write(struct Z_env_instance_t *env, u32 off, u32 ptr, u32 len) {
  (void)env;
  uint8_t *p = fw_mem(ptr, len);
  return p ? (u32)board_flash_write(off, p, len) : FLASH_ERR_RANGE;
}

u32 Z_envZ_flash_erase(struct Z_env_instance_t *env, u32 off, u32 len) {
  (void)env;
  return (u32)board_flash_erase(off, len);
}

u32 Z_envZ_clock_seconds(struct Z_env_instance_t *env) {
  (void)env;
  return board_clock_seconds();
}

u32 Z_envZ_prompt_show(struct Z_env_instance_t *env, u32 ptr, u32 len) {
  (void)env;
  uint8_t *p = fw_mem(ptr, len);
  return p && len <= PROMPT_MAX_TEXT ? (u32)board_prompt_show(p, len) : 1;
}

u32 Z_envZ_prompt_poll(struct Z_env_instance_t *env) {
  (void)env;
  return (u32)board_prompt_poll();
}
