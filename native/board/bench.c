// Self-test and benchmarks on the compiled firmware, for both targets.
// run_bench() calls the firmware's exports as bench/suites/*.ts do in V8 —
// inputs copied into the io area, outputs copied out — over a pool of keys
// and messages generated at build time (build/native/gen/bench-inputs.h,
// with the V8 build's outputs for each), checks every output against V8's
// and prints board_counter() per operation: instructions on the Cortex-M4
// under QEMU -icount (see m4/main.c), nanoseconds on the host.
#include <string.h>
#include "board.h"
#include "bench-inputs.h"

void board_printf_u64(const char *label, uint64_t v, const char *unit);

static uint32_t io;
static int mismatches;

static void put(uint32_t at, const uint8_t *src, uint32_t len) { memcpy(fw_mem(at, len), src, len); }
static void get(uint8_t *dst, uint32_t at, uint32_t len) { memcpy(dst, fw_mem(at, len), len); }

static void check(const char *what, const uint8_t *got, const uint8_t *want, uint32_t len) {
  if (memcmp(got, want, len) != 0) {
    mismatches++;
    board_log("MISMATCH with the V8 build: ");
    board_log(what);
    board_log("\n");
  }
}

static void selftest_call(void *out) { *(u32 *)out = Z_firmwareZ_selftest(&fw); }

int run_selftest(void) {
  u32 r = 0xffffffffu;
  int trap = fw_guard(selftest_call, &r);
  if (trap) {
    board_log("self-test trapped\n");
    return -1;
  }
  board_printf_u64("selftest() =", r, "");
  return (int)r;
}

// One timed operation over the pool: the average per call, in counter units.
typedef void (*op_fn)(unsigned i);
static uint8_t out[BENCH_MAX_OUT];

static void op_sign(unsigned i) {
  uint32_t MSG = io, SK = io + 32, AUX = io + 64, OUT = io + 96;
  put(MSG, bench_msg[i], 32); put(SK, bench_sk[i], 32); put(AUX, bench_aux[i], 32);
  if (Z_firmwareZ_bip340_sign(&fw, MSG, 32, SK, AUX, OUT) != 0) mismatches++;
  get(out, OUT, 64);
  check("bip340_sign", out, bench_sig[i], 64);
}

static void op_verify(unsigned i) {
  uint32_t MSG = io, XPK = io + 32, SIG = io + 64;
  put(MSG, bench_msg[i], 32); put(XPK, bench_xpk[i], 32); put(SIG, bench_sig[i], 64);
  if (Z_firmwareZ_bip340_verify(&fw, MSG, 32, XPK, SIG) != 0) mismatches++;
}

static void op_ecdh(unsigned i) {
  uint32_t SK = io, PEER = io + 32, OUT = io + 96;
  put(SK, bench_sk[i], 32); put(PEER, bench_peer[i], 33);
  if (Z_firmwareZ_secp_ecdh(&fw, SK, PEER, OUT) != 0) mismatches++;
  get(out, OUT, 32);
  check("secp_ecdh", out, bench_ecdh[i], 32);
}

static void op_sign_bolt12(unsigned i) {
  uint32_t SD = io, META = io + 64, HASH = io + 96, OUT = io + 128, TLV = io + 192;
  put(SD, bench_sd[i], 64); put(META, bench_invreq_meta, BENCH_INVREQ_META_LEN);
  put(TLV, bench_invreq, BENCH_INVREQ_LEN);
  if (Z_firmwareZ_bolt12_sighash(&fw, BENCH_KIND_INVREQ, TLV, BENCH_INVREQ_LEN, HASH) != 0) mismatches++;
  if (Z_firmwareZ_keys_bolt12_sign(&fw, SD, 64, META, BENCH_INVREQ_META_LEN, HASH, OUT) != 0) mismatches++;
  get(out, OUT, 64);
  check("sign_bolt12", out, bench_bolt12_sig[i], 64);
}

static unsigned onion_n;
static void op_onion(unsigned i) {
  const struct bench_onion *o = &bench_onions[onion_n];
  uint32_t HOPS = io, ASSOC = HOPS + o->hops_len, SESS = ASSOC + 32, OUT = SESS + 32, SS = OUT + 1366;
  put(HOPS, o->hops, o->hops_len); put(ASSOC, o->assoc, 32); put(SESS, bench_session[i], 32);
  if (Z_firmwareZ_onion_create(&fw, HOPS, o->hops_len, o->n, ASSOC, 32, SESS, 1300, OUT, SS) != 0) mismatches++;
  get(out, OUT, 1366);
  check("onion_create", out, o->onion[i], 1366);
}

struct timed { const char *name; op_fn fn; unsigned onion; };

static op_fn current;
static void run_pool(void *arg) {
  (void)arg;
  for (unsigned i = 0; i < BENCH_POOL; i++) current(i);
}

static uint64_t timed(op_fn fn) {
  current = fn;
  uint64_t t0 = board_counter();
  if (fw_guard(run_pool, 0)) {
    board_log("benchmark trapped\n");
    mismatches++;
  }
  return (board_counter() - t0) / BENCH_POOL;
}

static void first_use(void *arg) {
  (void)arg;
  uint32_t SK = io, OUT = io + 32;
  put(SK, bench_sk[0], 32);
  Z_firmwareZ_secp_pubkey(&fw, SK, OUT);
}

int run_bench(void) {
  io = Z_firmwareZ_io_ptr(&fw);
  // The first secp256k1 call builds the fixed-base table in RAM: counted apart.
  uint64_t t0 = board_counter();
  fw_guard(first_use, 0);
  board_printf_u64("first-use (fixed-base table build + pubkey)", board_counter() - t0, board_counter_unit);
  board_printf_u64("bip340-sign", timed(op_sign), board_counter_unit);
  board_printf_u64("bip340-verify", timed(op_verify), board_counter_unit);
  board_printf_u64("ecdh", timed(op_ecdh), board_counter_unit);
  board_printf_u64("sign-bolt12-invreq", timed(op_sign_bolt12), board_counter_unit);
  static const char *names[] = {"onion-1-hop", "onion-5-hops", "onion-20-hops"};
  for (onion_n = 0; onion_n < BENCH_ONIONS; onion_n++) board_printf_u64(names[onion_n], timed(op_onion), board_counter_unit);
  board_printf_u64("mismatches", (uint64_t)mismatches, "");
  return mismatches;
}
