/* Arm semihosting: the debugger (here qemu-system-arm -semihosting) does the
 * I/O, so the example needs no UART driver and runs unchanged on every
 * machine. On a board without a debugger attached, replace these five calls
 * with a UART driver; nothing else in the example talks to the outside. */
#ifndef SMOLC_FW_SEMIHOST_H
#define SMOLC_FW_SEMIHOST_H
#include <stddef.h>

/* Handle of a host file or of the console (":tt"); <0 on failure.
 * mode: the semihosting mode numbers, 0 "r", 1 "rb", 4 "w", 5 "wb", 8 "a". */
int sh_open(const char *path, int mode);
int sh_write(int handle, const void *bytes, size_t n); /* 0 when all were written */
int sh_close(int handle);
/* The command line the host gave (qemu: -semihosting-config arg=...), NUL
 * terminated; <0 if there is none or it does not fit. */
int sh_cmdline(char *buf, size_t cap);
/* Ends the program; the host (qemu) exits with `code`. */
void sh_exit(int code) __attribute__((noreturn));

#endif
