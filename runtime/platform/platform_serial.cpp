// The serial platform: no threads, for single-core targets and as the fallback.
#include "platform/smolc_platform.h"

#if defined(__unix__) || defined(__APPLE__)
#include <time.h>
#include <unistd.h>
#define SMOLC_HAVE_POSIX 1
#elif defined(__wasi__)
// WASI (the wasm32 targets under node): clock_gettime is its clock_time_get;
// there is no thread, and write() is left to the host.
#include <time.h>
#define SMOLC_HAVE_CLOCK 1
#endif
#ifdef SMOLC_HAVE_POSIX
#define SMOLC_HAVE_CLOCK 1
#endif

namespace {

void serial_parallel_for(void*, smolc_range_fn fn, void* ctx, int n, int) {
  if (n > 0) fn(ctx, 0, n);
}

uint64_t serial_now_ns(void*) {
#ifdef SMOLC_HAVE_CLOCK
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
#else
  return 0;
#endif
}

void serial_write(void*, const char* bytes, size_t n) {
#ifdef SMOLC_HAVE_POSIX
  while (n > 0) {
    ssize_t w = ::write(1, bytes, n);
    if (w <= 0) return;
    bytes += w;
    n -= static_cast<size_t>(w);
  }
#else
  (void)bytes;
  (void)n;
#endif
}

const smolc_platform kSerial = {serial_parallel_for, serial_now_ns, serial_write, nullptr};

}  // namespace

extern "C" const smolc_platform* smolc_platform_serial(void) { return &kSerial; }
