// Decode speed of an external-weights engine (`smolc compile --weights
// external`) with its weights file loaded into 4 KiB pages (posix_memalign,
// as smolc's own loaders do) and into 2 MiB transparent huge
// pages (an mmap'd, 2 MiB-aligned block with madvise(MADV_HUGEPAGE)), the two
// alternating in one process. Linux only. Built against the engine NAME:
//   CXX -O2 -DENGINE=NAME -DENGINE_U=UNAME -include DIR/include/NAME.h -IDIR/include
//       weights_pages_driver.cpp DIR/lib/libNAME.a -lpthread       (one command)
//   weights_pages_driver DIR/NAME.weights [ROUNDS] [THREADS]
// Each round decodes 128 tokens from an empty context (tg128) per layout,
// after one untimed warm-up of each, and prints tokens/s and how much of the
// process is in huge pages (AnonHugePages of /proc/self/smaps_rollup).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define E(x) CAT(ENGINE, x)    // engine function NAME_x
#define U(x) CAT(ENGINE_U, x)  // engine constant UNAME_x

static const size_t kHuge = size_t{2} << 20;

static double now_s() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// `bytes` of memory for the weights: 4 KiB pages, or a 2 MiB-aligned block
// the kernel is asked to back with huge pages.
static void* weights_memory(size_t bytes, bool huge) {
  if (!huge) {
    void* p = nullptr;
    return posix_memalign(&p, 64, bytes) == 0 ? p : nullptr;
  }
  const size_t cap = (bytes + kHuge - 1) / kHuge * kHuge;
  void* raw = mmap(nullptr, cap + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  void* p = reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(raw) + kHuge - 1) & ~(uintptr_t{kHuge} - 1));
  if (madvise(p, cap, MADV_HUGEPAGE) != 0) perror("weights_pages_driver: madvise(MADV_HUGEPAGE)");
  return p;
}

static double tg128(void* state) {
  E(reset)(state);
  const double t0 = now_s();
  for (int i = 0; i < 128; ++i)
    if (E(decode)(state, (i * 7919) % U(VOCAB_SIZE)) != 0) return 0.0;
  return 128.0 / (now_s() - t0);
}

static void print_huge_pages() {
  FILE* f = fopen("/proc/self/smaps_rollup", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "AnonHugePages:", 14) == 0) printf("%s", line);
  if (f) fclose(f);
}

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    fprintf(stderr, "usage: weights_pages_driver NAME.weights [ROUNDS] [THREADS]\n");
    return 2;
  }
  const int rounds = argc > 2 ? atoi(argv[2]) : 3, threads = argc > 3 ? atoi(argv[3]) : 1;
  FILE* f = fopen(argv[1], "rb");
  if (!f || rounds < 1 || threads < 1) return 2;
  fseek(f, 0, SEEK_END);
  const long n = ftell(f);
  if (n <= 0) return 2;
  void* weights[2];
  void* states[2];
  for (int huge = 0; huge < 2; ++huge) {
    weights[huge] = weights_memory(static_cast<size_t>(n), huge == 1);
    states[huge] = aligned_alloc(U(STATE_ALIGN), (U(STATE_BYTES) + U(STATE_ALIGN) - 1) / U(STATE_ALIGN) * U(STATE_ALIGN));
    fseek(f, 0, SEEK_SET);
    if (!weights[huge] || !states[huge] || fread(weights[huge], 1, static_cast<size_t>(n), f) != static_cast<size_t>(n))
      return 1;
    const int rc = E(init)(states[huge], U(STATE_BYTES), weights[huge], static_cast<size_t>(n));
    if (rc != 0 || E(set_threads)(states[huge], threads) != 0) {
      fprintf(stderr, "weights_pages_driver: init failed: %s\n", E(strerror)(rc));
      return 1;
    }
    tg128(states[huge]);  // warm-up
  }
  fclose(f);
  for (int r = 0; r < rounds; ++r)
    for (int huge = 0; huge < 2; ++huge)
      printf("round %d %s tg128 %.1f tok/s\n", r + 1, huge ? "2 MiB pages" : "4 KiB pages", tg128(states[huge]));
  print_huge_pages();
  return 0;
}
