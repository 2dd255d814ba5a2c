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
#include "bench-inputs.h"

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
// Serial output is not sent anywhere; the frames are only COBS-decoded far
// enough to count replies and refusals (the serial phase of the bench).
static uint32_t frame_len, group_left, replies_ok, replies_bad;
static uint8_t frame_type, group_open, group_full;
static void frame_byte(uint8_t b) { if (frame_len++ == 0) frame_type = b; }
void board_serial_write(const uint8_t *p, uint32_t len) {
  for (uint32_t i = 0; i < len; i++) {
    uint8_t b = p[i];
    if (b == 0) { // delimiter: a frame ends (empty ones are the leading delimiters)
      if (frame_len) {
        if ((frame_type & BENCH_MSG_REPLY) && frame_type != BENCH_MSG_ERROR) replies_ok++;
        else replies_bad++;
      }
      frame_len = group_left = group_open = group_full = 0;
    } else if (group_left == 0) { // a COBS code byte: the zero it implies comes first
      if (group_open && !group_full) frame_byte(0);
      group_open = 1;
      group_full = b == 0xff;
      group_left = b - 1u;
    } else {
      frame_byte(b);
      group_left--;
    }
  }
}

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

// Paints the free stack below the caller's frame again (as reset does).
static void stack_repaint(void) {
  uint32_t *sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t *p = _stack_bottom; p < sp - 64; p++) *p = 0xdeadbeefu;
}

// The deepest serial requests (native/build.mjs bench_serial: provisioning, a
// 10-hop blinded path, a 32834-byte onion message and its reads) through
// serial_rx, after a boot; every one must be answered with its reply.
static uint32_t rx_len;
static void do_boot(void *arg) {
  (void)arg;
  memset(fw_mem(Z_firmwareZ_fw_boot_info_ptr(&fw), BOOT_INFO_SIZE), 0, BOOT_INFO_SIZE);
  Z_firmwareZ_fw_boot(&fw);
}
static void do_rx(void *arg) { (void)arg; Z_firmwareZ_serial_rx(&fw, rx_len); }
static int run_serial(void) {
  fw_instantiate();
  ramflash_init();
  int trap = fw_guard(do_boot, 0);
  uint32_t ptr = Z_firmwareZ_serial_rx_ptr(&fw), cap = Z_firmwareZ_serial_rx_cap(&fw);
  replies_ok = replies_bad = 0;
  uint64_t t0 = board_counter();
  for (uint32_t i = 0; i < BENCH_SERIAL_LEN && !trap; i += rx_len) {
    rx_len = BENCH_SERIAL_LEN - i < cap ? BENCH_SERIAL_LEN - i : cap;
    memcpy(fw_mem(ptr, rx_len), bench_serial + i, rx_len);
    trap = fw_guard(do_rx, 0);
  }
  board_printf_u64("serial: provision, blinded_path 10 hops, onion_message 32834 bytes + 3 reads", board_counter() - t0, board_counter_unit);
  board_printf_u64("serial replies", replies_ok, "");
  board_printf_u64("serial refusals or traps", replies_bad + (uint32_t)(trap != 0), "");
  return trap || replies_bad || replies_ok != BENCH_SERIAL_REPLIES;
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
  if (r == 0 && wants_bench()) {
    r = run_bench();
    board_printf_u64("C stack high-water mark (self-test, bench)", stack_used(), "bytes");
    stack_repaint();
    r |= run_serial();
  }
  board_printf_u64("C stack high-water mark", stack_used(), "bytes");
  return r;
}
