/* Speculative decoding benchmark (bench/speculate/run.sh builds and runs it):
 *   spec_bench THREADS MAX_TOKENS ROUNDS DRAFT TEMP TOKEN...
 * prefills the prompt, then times NAME_generate_ex decoding of up to
 * MAX_TOKENS tokens (greedy when TEMP is 0, else sampled at TEMP with seed 1,
 * reseeded for every run) without (spec NULL) and with speculation (max_draft
 * DRAFT). Each round runs both, plain first in even rounds and speculative
 * first in odd ones, so both see the same machine load and neither always
 * gets the warmer caches. Prints one JSON object: tok/s per round for each,
 * the speculation stats, and whether both generated the same tokens.
 * Built with -DENGINE=name -DENGINE_U=NAME -include name.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(x) CAT(ENGINE, x)
#define CONST(x) CAT(ENGINE_U, x)

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One timed generation; returns tokens/s and copies the generated ids. */
static double one(void *st, const int32_t *prompt, int n, int max_tokens, smolc_sampler *sampler,
                  const smolc_speculation *spec, int32_t *out, int *n_out) {
  API(_reset)(st);
  if (sampler) smolc_sampler_reseed(sampler, 1);
  int rc = API(_prefill)(st, prompt, n);
  if (rc) {
    fprintf(stderr, "prefill: %s\n", API(_strerror)(rc));
    exit(1);
  }
  const double t0 = now_s();
  const int got = API(_generate_ex)(st, NULL, 0, max_tokens, sampler, NULL, NULL, spec);
  const double t1 = now_s();
  if (got < 0) {
    fprintf(stderr, "generate_ex: %s\n", API(_strerror)(got));
    exit(1);
  }
  memcpy(out, API(_tokens)(st) + n, sizeof(int32_t) * (size_t)got);
  *n_out = got;
  return got / (t1 - t0);
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: spec_bench THREADS MAX_TOKENS ROUNDS DRAFT TEMP TOKEN...\n");
    return 2;
  }
  const int threads = atoi(argv[1]), max_tokens = atoi(argv[2]), rounds = atoi(argv[3]), draft = atoi(argv[4]);
  const float temp = (float)atof(argv[5]);
  const int n = argc - 6;
  int32_t *prompt = malloc(sizeof(int32_t) * (size_t)n);
  for (int i = 0; i < n; ++i) prompt[i] = (int32_t)atoi(argv[6 + i]);
  void *st = NULL;
  if (posix_memalign(&st, 64, CONST(_STATE_BYTES)) != 0) return 1;
  int rc = API(_init)(st, CONST(_STATE_BYTES));
  if (rc == 0) rc = API(_set_threads)(st, threads);
  if (rc) {
    fprintf(stderr, "init: %s\n", API(_strerror)(rc));
    return 1;
  }
  int32_t *a = malloc(sizeof(int32_t) * (size_t)(max_tokens + 1)), *b = malloc(sizeof(int32_t) * (size_t)(max_tokens + 1));
  smolc_speculation_stats stats = {0, 0, 0, 0};
  smolc_speculation spec = {draft, &stats};
  smolc_sampler sampler, *sp = NULL;
  static unsigned char work[SMOLC_SAMPLER_WORK_BYTES(CONST(_VOCAB_SIZE))] __attribute__((aligned(16)));
  if (temp > 0) {
    smolc_sampler_params sprm = smolc_sampler_default_params();
    sprm.temperature = temp;
    sprm.seed = 1;
    if (smolc_sampler_init(&sampler, &sprm, CONST(_VOCAB_SIZE), work, sizeof work) != SMOLC_SAMPLER_OK) return 1;
    sp = &sampler;
  }
  int na = 0, nb = 0, identical = 1;
  printf("{\"plain\":[");
  double *tb = malloc(sizeof(double) * (size_t)rounds);
  for (int r = 0; r < rounds; ++r) {
    double ta = 0;
    if (r % 2 == 0) ta = one(st, prompt, n, max_tokens, sp, NULL, a, &na);
    memset(&stats, 0, sizeof stats);
    tb[r] = one(st, prompt, n, max_tokens, sp, &spec, b, &nb);
    if (r % 2 == 1) ta = one(st, prompt, n, max_tokens, sp, NULL, a, &na);
    identical = identical && na == nb && memcmp(a, b, sizeof(int32_t) * (size_t)na) == 0;
    printf("%s%.3f", r ? "," : "", ta);
  }
  printf("],\"spec\":[");
  for (int r = 0; r < rounds; ++r) printf("%s%.3f", r ? "," : "", tb[r]);
  printf("],\"generated\":%d,\"steps\":%lld,\"drafted\":%lld,\"accepted\":%lld,\"identical\":%s,\"tokens\":[", na,
         (long long)stats.steps, (long long)stats.drafted, (long long)stats.accepted, identical ? "true" : "false");
  for (int i = 0; i < na; ++i) printf("%s%d", i ? "," : "", (int)a[i]);
  printf("]}\n");
  return identical ? 0 : 3;
}
