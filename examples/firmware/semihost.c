/* Arm semihosting calls (the "Semihosting for AArch32 and AArch64" spec):
 * operation number in r0, argument block address in r1, `bkpt 0xab` on
 * M-profile cores; the result comes back in r0. */
#include "semihost.h"

#include <stdint.h>
#include <string.h>

enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE = 0x05, SYS_GET_CMDLINE = 0x15, SYS_EXIT_EXTENDED = 0x20 };

static int sh_call(int op, void *block) {
  register int r0 __asm__("r0") = op;
  register void *r1 __asm__("r1") = block;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

int sh_open(const char *path, int mode) {
  uintptr_t block[3] = {(uintptr_t)path, (uintptr_t)mode, (uintptr_t)strlen(path)};
  return sh_call(SYS_OPEN, block);
}

int sh_write(int handle, const void *bytes, size_t n) {
  uintptr_t block[3] = {(uintptr_t)handle, (uintptr_t)bytes, (uintptr_t)n};
  return sh_call(SYS_WRITE, block);
}

int sh_close(int handle) {
  uintptr_t block[1] = {(uintptr_t)handle};
  return sh_call(SYS_CLOSE, block);
}

int sh_cmdline(char *buf, size_t cap) {
  uintptr_t block[2] = {(uintptr_t)buf, (uintptr_t)cap};
  if (sh_call(SYS_GET_CMDLINE, block) != 0) return -1;
  return (int)block[1];
}

void sh_exit(int code) {
  /* SYS_EXIT_EXTENDED carries an exit code on AArch32 too (plain SYS_EXIT
   * only says "stopped"). ADP_Stopped_ApplicationExit = 0x20026. */
  uintptr_t block[2] = {0x20026u, (uintptr_t)code};
  for (;;) sh_call(SYS_EXIT_EXTENDED, block);
}
