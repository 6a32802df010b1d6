/* Vector table and reset code for a Cortex-M core, with no vendor SDK: what
 * a linker script that defines the symbols below (mps3-an547.ld,
 * mps2-an386.ld) needs to boot main(). */
#include <stdint.h>
#include <string.h>

#include "semihost.h"

extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start, __bss_end;
int main(void);
void Reset_Handler(void);
void SysTick_Handler(void);

/* A fault in an example is a bug: say so on the console and stop the
 * emulator with a distinct code instead of spinning forever. */
static void Fault_Handler(void) {
  static const char msg[] = "firmware: fault\n";
  const int h = sh_open(":tt", 4);
  if (h >= 0) sh_write(h, msg, sizeof msg - 1);
  sh_exit(3);
}

/* Cortex-M exception numbers 0..15: initial SP, reset, NMI, HardFault,
 * MemManage, BusFault, UsageFault, SecureFault, 3 reserved, SVCall,
 * DebugMonitor, reserved, PendSV, SysTick. No device interrupts are used. */
__attribute__((section(".vectors"), used)) const void *const vector_table[16] = {
    &__stack_top,          (const void *)Reset_Handler, (const void *)Fault_Handler, (const void *)Fault_Handler,
    (const void *)Fault_Handler, (const void *)Fault_Handler, (const void *)Fault_Handler, (const void *)Fault_Handler,
    0,                     0,                           0,                           (const void *)Fault_Handler,
    (const void *)Fault_Handler, 0,                     (const void *)Fault_Handler, (const void *)SysTick_Handler,
};

void Reset_Handler(void) {
  /* CPACR: full access to CP10/CP11, the FPU (and on the M55 the MVE unit),
   * before any floating-point instruction runs. */
  *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  /* .data is stored in flash after the read-only sections (its load
   * address) and copied to RAM; .bss is zeroed. The engine state lives in
   * its own NOLOAD section and is left alone: ${NAME}_init sets it up. */
  memcpy(&__data_start, &__data_load, (size_t)((char *)&__data_end - (char *)&__data_start));
  memset(&__bss_start, 0, (size_t)((char *)&__bss_end - (char *)&__bss_start));
  sh_exit(main());
}
