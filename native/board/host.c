// The host (x86-64) board: the compiled firmware as a process.
//   lnsigner-native selftest   power-on self-test (RAM flash), exit 0 when it passes
//   lnsigner-native bench      board/bench.c: ns per operation, checked against V8
//   lnsigner-native chip       the emulator's chip (--engine native): every
//                              import and every event goes through the pipe
//                              protocol on stdin/stdout (docs/emulator.md)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <signal.h>
#include "board.h"

static int chip_mode;

void board_log(const char *s) { fputs(s, stderr); }

void board_printf_u64(const char *label, uint64_t v, const char *unit) {
  printf("%s %llu%s%s\n", label, (unsigned long long)v, *unit ? " " : "", unit);
  fflush(stdout);
}

const char *board_counter_unit = "ns";
uint64_t board_counter(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

// ---- the pipe protocol (chip mode): [type u8][len u32 LE][payload] ----
static void die(const char *why) {
  fprintf(stderr, "lnsigner-native: %s\n", why);
  exit(2);
}

static void read_all(void *p, size_t n) {
  uint8_t *b = p;
  while (n) {
    ssize_t r = read(0, b, n);
    if (r == 0) exit(0); // the emulator closed the pipe: power off
    if (r < 0) {
      if (errno == EINTR) continue;
      die("pipe read failed");
    }
    b += r;
    n -= (size_t)r;
  }
}

static void write_all(const void *p, size_t n) {
  const uint8_t *b = p;
  while (n) {
    ssize_t r = write(1, b, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("pipe write failed");
    }
    b += r;
    n -= (size_t)r;
  }
}

static void send_msg(uint8_t type, const void *a, uint32_t alen, const void *b, uint32_t blen) {
  uint8_t h[5] = {type, (uint8_t)(alen + blen), (uint8_t)((alen + blen) >> 8), (uint8_t)((alen + blen) >> 16),
                  (uint8_t)((alen + blen) >> 24)};
  write_all(h, 5);
  if (alen) write_all(a, alen);
  if (blen) write_all(b, blen);
}

static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static uint8_t msg[1 << 20];

// Reads one message; returns its type and fills *len.
static uint8_t recv_msg(uint32_t *len) {
  uint8_t h[5];
  read_all(h, 5);
  *len = get32(h + 1);
  if (*len > sizeof msg) die("message too long");
  read_all(msg, *len);
  return h[0];
}

// A request to the emulator ('F','P','E','N','T','Q','O'); its answer 'A' is
// [status i32][data]. Copies up to `want` data bytes to `data`.
static int32_t call(uint8_t type, const void *a, uint32_t alen, const void *b, uint32_t blen, uint8_t *data, uint32_t want) {
  uint32_t len;
  send_msg(type, a, alen, b, blen);
  if (recv_msg(&len) != 'A' || len < 4) die("expected an answer");
  if (data) memcpy(data, msg + 4, len - 4 < want ? len - 4 : want);
  return (int32_t)get32(msg);
}

void board_serial_write(const uint8_t *p, uint32_t len) {
  if (chip_mode) send_msg('W', p, len, 0, 0);
}

int32_t board_entropy(uint8_t *p, uint32_t len) {
  if (chip_mode) {
    uint8_t a[4];
    put32(a, len);
    return call('N', a, 4, 0, 0, p, len);
  }
  for (uint32_t got = 0; got < len;) {
    ssize_t r = getrandom(p + got, len - got, 0);
    if (r < 0) return 1;
    got += (uint32_t)r;
  }
  return 0;
}

uint32_t board_clock_seconds(void) {
  if (chip_mode) return (uint32_t)call('T', 0, 0, 0, 0, 0, 0);
  return (uint32_t)time(0);
}

int32_t board_flash_read(uint32_t off, uint8_t *p, uint32_t len) {
  if (!chip_mode) return ramflash_read(off, p, len);
  uint8_t a[8];
  put32(a, off);
  put32(a + 4, len);
  return call('F', a, 8, 0, 0, p, len);
}

int32_t board_flash_write(uint32_t off, const uint8_t *p, uint32_t len) {
  if (!chip_mode) return ramflash_write(off, p, len);
  uint8_t a[4];
  put32(a, off);
  return call('P', a, 4, p, len, 0, 0);
}

int32_t board_flash_erase(uint32_t off, uint32_t len) {
  if (!chip_mode) return ramflash_erase(off, len);
  uint8_t a[8];
  put32(a, off);
  put32(a + 4, len);
  return call('E', a, 8, 0, 0, 0, 0);
}

// Self-test and bench builds approve every prompt at once.
int32_t board_prompt_show(const uint8_t *text, uint32_t len) {
  return chip_mode ? call('Q', text, len, 0, 0, 0, 0) : 0;
}

int32_t board_prompt_poll(void) {
  return chip_mode ? call('O', 0, 0, 0, 0, 0, 0) : 1 /* PROMPT_APPROVED */;
}

// ---- chip mode: the emulator's requests ----
static uint32_t rx_len;
static void do_boot(void *info) {
  memcpy(fw_mem(Z_firmwareZ_fw_boot_info_ptr(&fw), BOOT_INFO_SIZE), info, BOOT_INFO_SIZE);
  Z_firmwareZ_fw_boot(&fw);
}
static void do_rx(void *arg) { (void)arg; Z_firmwareZ_serial_rx(&fw, rx_len); }
static void do_selftest(void *out) { *(u32 *)out = Z_firmwareZ_selftest(&fw); }

// 'D' done: [trap u32 (0 or wasm_rt_trap_t)][value u32]
static void done(int trap, uint32_t value) {
  uint8_t d[8];
  put32(d, (uint32_t)trap);
  put32(d + 4, value);
  send_msg('D', d, 8, 0, 0);
}

__attribute__((noreturn)) static void chip(void) {
  static uint8_t info[BOOT_INFO_SIZE];
  chip_mode = 1;
  prctl(PR_SET_PDEATHSIG, SIGKILL); // the emulator's death powers the chip off
  fw_instantiate();
  uint32_t rx_ptr = Z_firmwareZ_serial_rx_ptr(&fw), rx_cap = Z_firmwareZ_serial_rx_cap(&fw);
  uint8_t hello[8];
  put32(hello, rx_cap);
  put32(hello + 4, fw.w2c_memory.size);
  send_msg('H', hello, 8, 0, 0);
  for (;;) {
    uint32_t len;
    uint8_t type = recv_msg(&len);
    if (type == 'B' && len == BOOT_INFO_SIZE) {
      // Reset: RAM is lost (a fresh instance), then the boot info and fw_boot.
      memcpy(info, msg, BOOT_INFO_SIZE);
      fw_instantiate();
      done(fw_guard(do_boot, info), 0);
    } else if (type == 'R' && len <= rx_cap) {
      memcpy(fw_mem(rx_ptr, len), msg, len);
      rx_len = len;
      int trap = fw_guard(do_rx, 0);
      done(trap, trap ? 0 : Z_firmwareZ_fw_reset_pending(&fw));
    } else if (type == 'S') {
      u32 r = 0;
      int trap = fw_guard(do_selftest, &r);
      done(trap, r);
    } else {
      die("unknown request from the emulator");
    }
  }
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "selftest";
  if (!strcmp(mode, "chip")) chip();
  ramflash_init();
  fw_instantiate();
  if (!strcmp(mode, "selftest")) {
    int r = run_selftest();
    puts(r == 0 ? "native self-test passed (x86-64)" : "native self-test FAILED");
    return r == 0 ? 0 : 1;
  }
  if (!strcmp(mode, "bench")) {
    if (run_selftest() != 0) return 1;
    return run_bench() == 0 ? 0 : 1;
  }
  fprintf(stderr, "usage: %s selftest|bench|chip\n", argv[0]);
  return 2;
}
