// Cortex-M4 board for QEMU mps2-an386: runs the firmware's self-test, then
// (when the semihosting command line says "bench") board/bench.c.
// Output and exit go through Arm semihosting (QEMU -semihosting).
// Time: SysTick on the processor clock, extended to 64 bits by its wrap
// interrupt. Under `-icount shift=0` QEMU advances its virtual clock 1 ns per
// guest instruction and clocks SysTick from the board's 25 MHz system clock,
// so one tick is 40 instructions; main() calibrates that with a loop of a
// known instruction count and prints the check (docs/native.md).
#include <string.h>
#include "board.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)
#define RELOAD 0x00FFFFFFu
#define INSN_PER_TICK 40u /* 1 ns per instruction / 25 MHz SysTick */

extern uint32_t _stack_bottom[], _stack_top[];
extern const uint32_t wasm_rt_static_memory_bytes;

static int semihost(int op, void *arg) {
  register int r0 __asm__("r0") = op;
  register void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void semihost_exit(int ok) {
  semihost(0x18, (void *)(ok ? 0x20026 : 0x20023)); // SYS_EXIT: ApplicationExit / RunTimeErrorUnknown
}

void board_log(const char *s) { semihost(0x04, (void *)s); } // SYS_WRITE0

static void put_u64(char *p, uint64_t v) {
  char t[21];
  int n = 0;
  do t[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
  while (n) *p++ = t[--n];
  *p = 0;
}

void board_printf_u64(const char *label, uint64_t v, const char *unit) {
  char num[24];
  put_u64(num, v);
  board_log(label);
  board_log(" ");
  board_log(num);
  if (*unit) { board_log(" "); board_log(unit); }
  board_log("\n");
}

static volatile uint32_t wraps;
void systick_handler(void) { wraps++; }

const char *board_counter_unit = "instructions";
uint64_t board_counter(void) {
  uint32_t w, v;
  do {
    w = wraps;
    v = SYST_CVR;
  } while (w != wraps);
  return ((uint64_t)w * (RELOAD + 1) + (RELOAD - v)) * INSN_PER_TICK;
}

// The board primitives: no radio, no RTC, no real flash in this build.
void board_serial_write(const uint8_t *p, uint32_t len) { (void)p; (void)len; }

// Not random: a fixed xorshift stream, enough for the self-test and benchmarks
// (a real board reads its TRNG here).
static uint32_t rng = 0x2545f491u;
int32_t board_entropy(uint8_t *p, uint32_t len) {
  for (uint32_t i = 0; i < len; i++) {
    rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
    p[i] = (uint8_t)rng;
  }
  return 0;
}
uint32_t board_clock_seconds(void) { return 0; }
int32_t board_flash_read(uint32_t off, uint8_t *p, uint32_t len) { return ramflash_read(off, p, len); }
int32_t board_flash_write(uint32_t off, const uint8_t *p, uint32_t len) { return ramflash_write(off, p, len); }
int32_t board_flash_erase(uint32_t off, uint32_t len) { return ramflash_erase(off, len); }
// Self-test and bench builds approve every prompt at once.
int32_t board_prompt_show(const uint8_t *text, uint32_t len) { (void)text; (void)len; return 0; }
int32_t board_prompt_poll(void) { return 1; /* PROMPT_APPROVED */ }

// 1,000,000 iterations of two instructions (subs, bne): 2 M instructions.
static uint64_t calibrate(void) {
  uint32_t n = 1000000;
  uint64_t t0 = board_counter();
  __asm__ volatile("1: subs %0, %0, #1\n bne 1b" : "+r"(n) : : "cc");
  return board_counter() - t0;
}

static uint32_t stack_used(void) {
  uint32_t *p = _stack_bottom;
  while (p < _stack_top && *p == 0xdeadbeefu) p++;
  return (uint32_t)((uint8_t *)_stack_top - (uint8_t *)p);
}

static int wants_bench(void) {
  static char cmd[128];
  struct { char *buf; int len; } a = {cmd, sizeof cmd - 1};
  if (semihost(0x15, &a) != 0) return 0; // SYS_GET_CMDLINE
  cmd[a.len] = 0;
  return strstr(cmd, "bench") != 0;
}

int main(void) {
  SYST_RVR = RELOAD;
  SYST_CVR = 0;
  SYST_CSR = 7; // processor clock, interrupt, enable
  board_log("lnsigner firmware (wasm2c) on Cortex-M4, QEMU mps2-an386\n");
  board_printf_u64("linear memory bytes", wasm_rt_static_memory_bytes, "");
  board_printf_u64("calibration: 2000000-instruction loop measures", calibrate(), "instructions");
  ramflash_init();
  fw_instantiate();
  int r = run_selftest();
  board_log(r == 0 ? "self-test passed (Cortex-M4)\n" : "self-test FAILED\n");
  if (r == 0 && wants_bench()) r = run_bench();
  board_printf_u64("C stack high-water mark", stack_used(), "bytes");
  return r;
}
