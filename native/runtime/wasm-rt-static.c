// A minimal wasm2c runtime for lnsigner's firmware, written for a
// microcontroller and used on the host too (one set of semantics):
// - linear memory is one static array (FW_MEM_PAGES x 64 KiB, in .bss), so
//   the linker's RAM figure includes it; the module's memory never grows;
// - every access is bounds-checked by the generated code
//   (WASM_RT_MEMCHECK_SIGNAL_HANDLER=0: no guard pages, a Cortex-M4 has no MMU);
// - a trap longjmps to the board's last wasm_rt_impl_try() (board.c);
// - no malloc: function types live in a small static table.
#include <stdarg.h>
#include <string.h>
#include "wasm-rt-impl.h"

#ifndef FW_MEM_PAGES
#error "FW_MEM_PAGES (the module's declared pages) comes from native/build.mjs"
#endif
#define FW_PAGE 65536u

static uint8_t linear_memory[FW_MEM_PAGES * FW_PAGE] __attribute__((aligned(8)));
static bool initialized;
static jmp_buf *unwind_target;
jmp_buf wasm_rt_jmp_buf;
uint32_t wasm_rt_call_stack_depth;
uint32_t wasm_rt_saved_call_stack_depth;

/** Bytes of linear memory reserved by this runtime (board reports). */
const uint32_t wasm_rt_static_memory_bytes = sizeof linear_memory;

void wasm_rt_trap(wasm_rt_trap_t code) {
  wasm_rt_call_stack_depth = wasm_rt_saved_call_stack_depth;
  longjmp(*unwind_target, (int)code);
}

void wasm_rt_init(void) { initialized = true; }
bool wasm_rt_is_initialized(void) { return initialized; }
void wasm_rt_free(void) { initialized = false; }

void wasm_rt_set_unwind_target(jmp_buf *target) { unwind_target = target; }
jmp_buf *wasm_rt_get_unwind_target(void) { return unwind_target; }

// Function types: (params, results, types...) registered once at module init;
// equal signatures get equal ids (call_indirect compares ids).
#define MAX_TYPES 64
#define MAX_ARITY 16
static struct { uint8_t np, nr; uint8_t t[MAX_ARITY]; } types[MAX_TYPES];
static uint32_t ntypes;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  uint8_t t[MAX_ARITY];
  va_list ap;
  if (params + results > MAX_ARITY) wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
  va_start(ap, results);
  for (uint32_t i = 0; i < params + results; i++) t[i] = (uint8_t)va_arg(ap, int);
  va_end(ap);
  for (uint32_t i = 0; i < ntypes; i++)
    if (types[i].np == params && types[i].nr == results && !memcmp(types[i].t, t, params + results)) return i;
  if (ntypes == MAX_TYPES) wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
  types[ntypes].np = (uint8_t)params;
  types[ntypes].nr = (uint8_t)results;
  memcpy(types[ntypes].t, t, params + results);
  return ntypes++;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t *m, uint32_t initial, uint32_t max) {
  (void)max;
  // The build passes the module's own page count; anything else is a stale build.
  if (initial > FW_MEM_PAGES) wasm_rt_trap(WASM_RT_TRAP_OOB);
  memset(linear_memory, 0, sizeof linear_memory);
  m->data = linear_memory;
  m->pages = initial;
  m->max_pages = initial;
  m->size = initial * FW_PAGE;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *m, uint32_t delta) {
  return delta == 0 ? m->pages : (uint32_t)-1; // initial = maximum: never grows
}

void wasm_rt_free_memory(wasm_rt_memory_t *m) { (void)m; }

const char *wasm_rt_strerror(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_NONE: return "no trap";
    case WASM_RT_TRAP_OOB: return "out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable";
    case WASM_RT_TRAP_CALL_INDIRECT: return "call_indirect type mismatch";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
    default: return "trap";
  }
}
