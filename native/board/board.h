// The board layer under the wasm2c-compiled firmware (docs/native.md).
// imports.c turns each import of shared/firmware-abi.ts FIRMWARE_IMPORTS into
// one call of the primitives below; each target (host.c, m4/main.c) provides
// them. Generated constants (FLASH_*, BOOT_INFO_*, ...) come from
// build/native/gen/board-consts.h, written from shared/board.ts.
#ifndef LNSIGNER_BOARD_H
#define LNSIGNER_BOARD_H
#include <stdint.h>
#include "firmware.h"
#include "board-consts.h"

/** The running firmware instance (one chip, one instance). */
extern Z_firmware_instance_t fw;

/** Linear memory [ptr, ptr+len), or 0 when outside it (imports never trap). */
uint8_t *fw_mem(uint32_t ptr, uint32_t len);

/** (Re)instantiates the module: fresh RAM, data segments loaded. */
void fw_instantiate(void);

/** Runs f() under a trap handler: 0, or the wasm_rt_trap_t code it trapped with. */
int fw_guard(void (*f)(void *), void *arg);

// Primitives each target provides.
void board_serial_write(const uint8_t *p, uint32_t len);
int32_t board_entropy(uint8_t *p, uint32_t len);
uint32_t board_clock_seconds(void);
int32_t board_flash_read(uint32_t off, uint8_t *p, uint32_t len);
int32_t board_flash_write(uint32_t off, const uint8_t *p, uint32_t len);
int32_t board_flash_erase(uint32_t off, uint32_t len);
int32_t board_prompt_show(const uint8_t *text, uint32_t len);
int32_t board_prompt_poll(void);
/** Debug text (stderr on the host, the console on the M4). */
void board_log(const char *s);

// RAM-backed NOR flash (flash-ram.c): the self-test and benchmark stand-in.
int32_t ramflash_read(uint32_t off, uint8_t *p, uint32_t len);
int32_t ramflash_write(uint32_t off, const uint8_t *p, uint32_t len);
int32_t ramflash_erase(uint32_t off, uint32_t len);
void ramflash_init(void);

// Benchmarks and self-test shared by both targets (bench.c).
/** A monotonic counter for bench.c: instructions on the M4 under -icount, ns on the host. */
uint64_t board_counter(void);
extern const char *board_counter_unit;
int run_selftest(void);
int run_bench(void);
#endif
