// One prefill of N fixed pseudo-random tokens (the bench runner's ids) on one
// thread, and nothing else worth counting: the program callgrind runs
// (bench/compilers/compare_cxx.sh) to count the instructions of an engine's
// prefill. Built against a `smolc compile --name cg` output:
//   CXX -O2 -Iinclude prefill_driver.cpp lib/libcg.a -lpthread
//   prefill_driver N
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cg.h"

int main(int argc, char** argv) {
  const int n = argc == 2 ? atoi(argv[1]) : 0;
  if (n < 1 || n > CG_CTX_MAX) {
    fprintf(stderr, "usage: prefill_driver N (1 <= N <= %d)\n", CG_CTX_MAX);
    return 2;
  }
  void* state = aligned_alloc(CG_STATE_ALIGN, (CG_STATE_BYTES + CG_STATE_ALIGN - 1) / CG_STATE_ALIGN * CG_STATE_ALIGN);
  int32_t* ids = static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(n)));
  if (!state || !ids) return 1;
  uint64_t lcg = 12345;  // the ids of compiler/bench's runner
  for (int i = 0; i < n; ++i) ids[i] = (int32_t)((lcg = (lcg * 1103515245u + 12345u) % 2147483648u) % CG_VOCAB_SIZE);
  int rc = cg_init(state, CG_STATE_BYTES);
  if (rc == 0) rc = cg_set_threads(state, 1);
  if (rc == 0) rc = cg_prefill(state, ids, n);
  if (rc != 0) {
    fprintf(stderr, "prefill_driver: %s\n", cg_strerror(rc));
    return 1;
  }
  printf("argmax %d\n", cg_argmax(state));  // the output the compilers must agree on (up to rounding)
  free(ids);
  free(state);
  return 0;
}
