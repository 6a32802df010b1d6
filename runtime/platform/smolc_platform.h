/* Platform hooks of the smolc runtime: threads, clock and output.
 * A compiled engine touches the outside world only through these, so an RTOS,
 * a browser or bare metal replaces them without touching generated code.
 * Plain C so firmware written in C can fill them in. */
#ifndef SMOLC_PLATFORM_H
#define SMOLC_PLATFORM_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Work item range [begin, end) of a parallel loop; `ctx` is the caller's. */
typedef void (*smolc_range_fn)(void* ctx, int begin, int end);

typedef struct smolc_platform {
  /* Runs fn over [0, n) split into contiguous chunks (a chunk boundary is
   * always a multiple of `grain`), possibly on several threads, and returns
   * when every chunk has run. Results must not depend on how it splits: the
   * generated code splits by output rows, so any split is bit-identical. */
  void (*parallel_for)(void* user, smolc_range_fn fn, void* ctx, int n, int grain);
  /* Monotonic time in nanoseconds (for statistics only; may return 0). */
  uint64_t (*now_ns)(void* user);
  /* Streams output bytes (generated text). */
  void (*write)(void* user, const char* bytes, size_t n);
  void* user;
} smolc_platform;

/* The serial platform: parallel_for runs inline, now_ns uses the C library's
 * monotonic clock where there is one, write goes to fd 1 where there is one. */
const smolc_platform* smolc_platform_serial(void);

/* The default threaded platform: a small shared pthread pool running
 * parallel_for on n_threads threads (the caller included); n_threads <= 0
 * means one per online CPU. Falls back to the serial platform where there are
 * no POSIX threads. */
const smolc_platform* smolc_platform_threads(int n_threads);

#ifdef __cplusplus
}
#endif
#endif /* SMOLC_PLATFORM_H */
