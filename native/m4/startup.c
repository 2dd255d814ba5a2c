// Cortex-M4 reset: vector table, .data copy, .bss clear, stack painting (for
// the high-water mark), then main(). SysTick counts time (m4/main.c).
#include <stdint.h>

extern uint32_t _data_load[], _data_start[], _data_end[], _bss_start[], _bss_end[];
extern uint32_t _stack_bottom[], _stack_top[];
int main(void);
void systick_handler(void);
void reset_handler(void);
void fault_handler(void);

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
  (void (*)(void))_stack_top, reset_handler, fault_handler, fault_handler, fault_handler, fault_handler,
  fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0, fault_handler, systick_handler,
};

void semihost_exit(int ok);

__attribute__((noreturn)) void reset_handler(void) {
  for (uint32_t *s = _data_load, *d = _data_start; d < _data_end;) *d++ = *s++;
  for (uint32_t *d = _bss_start; d < _bss_end;) *d++ = 0;
  // Paint the stack below the current frame so its high-water mark shows.
  uint32_t *sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t *p = _stack_bottom; p < sp - 16; p++) *p = 0xdeadbeefu;
  semihost_exit(main() == 0);
  for (;;) {}
}

void board_log(const char *s);
__attribute__((noreturn)) void fault_handler(void) {
  board_log("hard fault\n");
  semihost_exit(0);
  for (;;) {}
}
