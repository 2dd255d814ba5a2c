// The one firmware instance of the chip, its memory view and trap guard.
#include <string.h>
#include "board.h"
#include "wasm-rt-impl.h"

Z_firmware_instance_t fw;
static int module_ready;

uint8_t *fw_mem(uint32_t ptr, uint32_t len) {
  uint32_t size = fw.w2c_memory.size;
  if (ptr > size || len > size - ptr) return 0;
  return fw.w2c_memory.data + ptr;
}

void fw_instantiate(void) {
  if (!module_ready) {
    wasm_rt_init();
    Z_firmware_init_module();
    module_ready = 1;
  } else {
    Z_firmware_free(&fw);
  }
  memset(&fw, 0, sizeof fw);
  Z_firmware_instantiate(&fw, 0);
}

int fw_guard(void (*f)(void *), void *arg) {
  int trap = wasm_rt_impl_try();
  if (trap != 0) return trap;
  f(arg);
  return 0;
}
