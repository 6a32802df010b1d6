// One prefill of N fixed pseudo-random tokens (the bench runner's ids) on one
// thread, and nothing else worth counting: the program callgrind runs
// (bench/compilers/compare_cxx.sh) to count the instructions of an engine's
// prefill. Built against a compiled engine NAME (a `smolc bench --prepare`
// directory), with its header forced in:
//   CXX -O2 -DENGINE=NAME -DENGINE_U=UNAME -include DIR/include/NAME.h -IDIR/include
//       prefill_driver.cpp DIR/lib/libNAME.a -lpthread       (one command)
//   prefill_driver N [D]
// It prints the argmax and a digest of the logits after the prefill, and
// after D greedy decode steps that follow it (default 0; callgrind's
// --toggle-collect=NAME_decode counts those alone).
// For a sampling profile (`perf record -e cpu-clock`), $SMOLC_DRIVER_THREADS
// sets the engine's threads (default 1) and $SMOLC_DRIVER_REPS repeats the
// prefill, after NAME_reset, that many times (default 1).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define E(x) CAT(ENGINE, x)    // engine function NAME_x
#define U(x) CAT(ENGINE_U, x)  // engine constant UNAME_x

int main(int argc, char** argv) {
  const int n = argc == 2 || argc == 3 ? atoi(argv[1]) : 0;
  const int d = argc == 3 ? atoi(argv[2]) : 0;
  if (n < 1 || d < 0 || n + d > U(CTX_MAX)) {
    fprintf(stderr, "usage: prefill_driver N [D] (1 <= N, 0 <= D, N + D <= %d)\n", U(CTX_MAX));
    return 2;
  }
  void* state = aligned_alloc(U(STATE_ALIGN), (U(STATE_BYTES) + U(STATE_ALIGN) - 1) / U(STATE_ALIGN) * U(STATE_ALIGN));
  int32_t* ids = static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(n)));
  if (!state || !ids) return 1;
  uint64_t lcg = 12345;  // the ids of smolc bench's runner
  for (int i = 0; i < n; ++i) ids[i] = (int32_t)((lcg = (lcg * 1103515245u + 12345u) % 2147483648u) % U(VOCAB_SIZE));
  const char* env_threads = getenv("SMOLC_DRIVER_THREADS");
  const char* env_reps = getenv("SMOLC_DRIVER_REPS");
  const int threads = env_threads ? atoi(env_threads) : 1, reps = env_reps ? atoi(env_reps) : 1;
  if (threads < 1 || reps < 1) {
    fprintf(stderr, "prefill_driver: SMOLC_DRIVER_THREADS and SMOLC_DRIVER_REPS must be positive integers\n");
    return 2;
  }
  int rc = E(init)(state, U(STATE_BYTES));
  if (rc == 0) rc = E(set_threads)(state, threads);
  for (int r = 0; rc == 0 && r < reps; ++r) {
    E(reset)(state);
    rc = E(prefill)(state, ids, n);
  }
  for (int step = 0; rc == 0 && step <= d; ++step) {
    if (step > 0) rc = E(decode)(state, E(argmax)(state));
    if (rc != 0) break;
    if (step > 0 && step < d) continue;
    printf("%s argmax %d\n", step == 0 ? "prefill" : "decode", E(argmax)(state));  // what the compilers' engines should agree on (up to rounding)
    // FNV-1a of the last logits' bytes: equal digests say a template change
    // (or another compiler) left them bit-identical.
    const unsigned char* bytes = reinterpret_cast<const unsigned char*>(E(logits)(state));
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < sizeof(float) * U(VOCAB_SIZE); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
    printf("%s logits fnv1a %016llx\n", step == 0 ? "prefill" : "decode", static_cast<unsigned long long>(h));
  }
  if (rc != 0) {
    fprintf(stderr, "prefill_driver: %s\n", E(strerror)(rc));
    return 1;
  }
  free(ids);
  free(state);
  return 0;
}
