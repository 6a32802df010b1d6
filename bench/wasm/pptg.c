/* pp128 / tg128 of one compiled engine, the same C for every runtime that
 * bench/wasm/run.sh compares: linked natively (avx2), or for wasm32-wasi and
 * run in node (tools/wasm/wasi-node.mjs) and in headless Chromium
 * (bench/wasm/chromium.mjs, examples/web/wasi.js in a Web Worker).
 *
 *   pptg WEIGHTS REPS     (every engine here is compiled with --weights external)
 *
 * pp128: prefill of 128 tokens into an empty context; tg128: 128 decode steps
 * into an empty context (as smolc bench's tg128). The ids come from smolc
 * bench's LCG. One thread. Repetition 0 warms up and is not reported.
 * Prints {"pp128":[tok/s...],"tg128":[...],"cpu_pp128":[...],"cpu_tg128":[...]}:
 * tok/s by the wall clock (CLOCK_MONOTONIC) and by the process's CPU time
 * (CLOCK_PROCESS_CPUTIME_ID: on a loaded machine it leaves out the time other
 * processes had the CPU; empty where the runtime has no such clock, as in
 * the browser). Build with -DENGINE=name -DENGINE_U=NAME -include name.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define E(x) CAT(ENGINE, CAT(_, x))
#define U(x) CAT(ENGINE_U, CAT(_, x))

enum { kTokens = 128, kMaxReps = 100 };

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The process's CPU seconds, or -1 without a CPU clock. */
static double cpu_s(void) {
  struct timespec t;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0) return -1;
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void check(int rc, const char* what) {
  if (rc < 0) {
    fprintf(stderr, "pptg: %s: %s\n", what, E(strerror)(rc));
    exit(1);
  }
}

static void* read_weights(const char* path, size_t* n) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  const long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  void* w = len > 0 ? aligned_alloc(64, ((size_t)len + 63) / 64 * 64) : NULL;
  if (!w || fread(w, 1, (size_t)len, f) != (size_t)len) {
    fclose(f);
    return NULL;
  }
  fclose(f);
  *n = (size_t)len;
  return w;
}

static void print_runs(const char* key, const double* v, int n, const char* end) {
  printf("\"%s\":[", key);
  for (int i = 0; i < n; ++i) printf("%s%.6g", i ? "," : "", v[i]);
  printf("]%s", end);
}

int main(int argc, char** argv) {
  const int reps = argc == 3 ? atoi(argv[2]) : 0;
  if (reps < 1 || reps > kMaxReps) {
    fprintf(stderr, "usage: pptg WEIGHTS REPS (1..%d)\n", kMaxReps);
    return 2;
  }
  size_t wbytes = 0;
  void* weights = read_weights(argv[1], &wbytes);
  if (!weights) {
    fprintf(stderr, "pptg: cannot read %s\n", argv[1]);
    return 1;
  }
  void* state = aligned_alloc(U(STATE_ALIGN), (U(STATE_BYTES) + U(STATE_ALIGN) - 1) / U(STATE_ALIGN) * U(STATE_ALIGN));
  if (!state) return 1;
  check(E(init)(state, U(STATE_BYTES), weights, wbytes), "init");
  check(E(set_threads)(state, 1), "set_threads");
  if (U(CTX_MAX) < kTokens) {
    fprintf(stderr, "pptg: the engine's context %d < %d\n", U(CTX_MAX), kTokens);
    return 2;
  }
  int32_t prompt[kTokens], gen[kTokens];
  uint64_t lcg = 12345;
  for (int i = 0; i < kTokens; ++i) prompt[i] = (int32_t)((lcg = (lcg * 1103515245u + 12345u) % 2147483648u) % U(VOCAB_SIZE));
  for (int i = 0; i < kTokens; ++i) gen[i] = (int32_t)((lcg = (lcg * 1103515245u + 12345u) % 2147483648u) % U(VOCAB_SIZE));

  double pp[kMaxReps], tg[kMaxReps], cpu_pp[kMaxReps], cpu_tg[kMaxReps];
  const int has_cpu = cpu_s() >= 0;
  for (int r = 0; r <= reps; ++r) {
    E(reset)(state);
    double t0 = now_s(), c0 = cpu_s();
    check(E(prefill)(state, prompt, kTokens), "prefill");
    const double t_pp = now_s() - t0, c_pp = cpu_s() - c0;
    E(reset)(state);
    t0 = now_s();
    c0 = cpu_s();
    for (int i = 0; i < kTokens; ++i) check(E(decode)(state, gen[i]), "decode");
    const double t_tg = now_s() - t0, c_tg = cpu_s() - c0;
    if (r == 0) continue;
    pp[r - 1] = kTokens / t_pp;
    tg[r - 1] = kTokens / t_tg;
    cpu_pp[r - 1] = kTokens / c_pp;
    cpu_tg[r - 1] = kTokens / c_tg;
  }
  printf("{");
  print_runs("pp128", pp, reps, ",");
  print_runs("tg128", tg, reps, ",");
  print_runs("cpu_pp128", cpu_pp, has_cpu ? reps : 0, ",");
  print_runs("cpu_tg128", cpu_tg, has_cpu ? reps : 0, "}\n");
  return 0;
}
