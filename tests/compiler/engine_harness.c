/* Test harness linked against a compiled engine (C, so the C API is checked
 * from C). Built by tests/compiler with -DENGINE=<name> -DENGINE_U=<NAME>.
 *
 *   harness run OUT THREADS STEPS CHUNK TOKEN...
 *     prefills the tokens CHUNK at a time, then decodes STEPS greedy tokens;
 *     writes to OUT the logits after the prompt and after every decoded token
 *     ((1 + STEPS) x VOCAB f32) and prints the greedy tokens on stdout.
 *   harness errors
 *     checks every error code; prints "ok" or the first failed check. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(x) CAT(ENGINE, x)
#define CONST(x) CAT(ENGINE_U, x)

static int fail(const char *what, int got) {
  printf("FAILED: %s (got %d)\n", what, got);
  return 1;
}

static void *alloc_state(size_t extra) {
  void *p = NULL;
  if (posix_memalign(&p, 64, CONST(_STATE_BYTES) + extra) != 0) return NULL;
  return p;
}

/* Initialises `st`; external-weights engines read the file named by
 * $SMOLC_TEST_WEIGHTS into a 64-byte aligned buffer first. */
static int init_state(void *st, size_t bytes) {
#if CONST(_WEIGHTS_EXTERNAL)
  static void *w = NULL;
  static size_t n = 0;
  if (!w) {
    const char *path = getenv("SMOLC_TEST_WEIGHTS");
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) return -100;
    fseek(f, 0, SEEK_END);
    n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    if (posix_memalign(&w, 64, n) != 0 || fread(w, 1, n, f) != n) return -101;
    fclose(f);
  }
  return API(_init)(st, bytes, w, n);
#else
  return API(_init)(st, bytes);
#endif
}

static int run(int argc, char **argv) {
  const char *out = argv[2];
  const int threads = atoi(argv[3]), steps = atoi(argv[4]), chunk = atoi(argv[5]);
  const int n = argc - 6;
  int32_t *tokens = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
  for (int i = 0; i < n; ++i) tokens[i] = (int32_t)atoi(argv[6 + i]);
  void *st = alloc_state(0);
  int rc = init_state(st, CONST(_STATE_BYTES));
  if (rc) return fail(API(_strerror)(rc), rc);
  if ((rc = API(_set_threads)(st, threads))) return fail("set_threads", rc);
  FILE *f = fopen(out, "wb");
  for (int i = 0; i < n; i += chunk) {
    const int m = n - i < chunk ? n - i : chunk;
    if ((rc = API(_prefill)(st, tokens + i, m))) return fail(API(_strerror)(rc), rc);
  }
  fwrite(API(_logits)(st), sizeof(float), CONST(_VOCAB_SIZE), f);
  for (int s = 0; s < steps; ++s) {
    const int32_t next = API(_argmax)(st);
    printf("%d\n", next);
    if ((rc = API(_decode)(st, next))) return fail(API(_strerror)(rc), rc);
    fwrite(API(_logits)(st), sizeof(float), CONST(_VOCAB_SIZE), f);
  }
  fclose(f);
  if (API(_position)(st) != n + steps) return fail("position", API(_position)(st));
  free(st);
  free(tokens);
  return 0;
}

static int errors(void) {
  unsigned char *raw = alloc_state(64);
  int rc;
  if ((rc = init_state(raw + 8, CONST(_STATE_BYTES))) != CONST(_ERR_STATE_ALIGN)) return fail("misaligned state", rc);
  if ((rc = init_state(raw, CONST(_STATE_BYTES) - 1)) != CONST(_ERR_STATE_SIZE)) return fail("small state", rc);
  if ((rc = init_state(NULL, CONST(_STATE_BYTES))) >= 0) return fail("null state", rc);
  memset(raw, 0, 64);
  if ((rc = API(_decode)(raw, 0)) != CONST(_ERR_NOT_INIT)) return fail("decode before init", rc);
  if (API(_logits)(raw) != NULL) return fail("logits before init", 0);
  if ((rc = init_state(raw, CONST(_STATE_BYTES))) != 0) return fail("init", rc);
  if (API(_logits)(raw) != NULL) return fail("logits before any token", 0);
  if ((rc = API(_decode)(raw, -1)) != CONST(_ERR_TOKEN)) return fail("token -1", rc);
  if ((rc = API(_decode)(raw, CONST(_VOCAB_SIZE))) != CONST(_ERR_TOKEN)) return fail("token VOCAB", rc);
  if ((rc = API(_prefill)(raw, NULL, 1)) != CONST(_ERR_ARGUMENT)) return fail("null tokens", rc);
  if ((rc = API(_prefill)(raw, NULL, -1)) != CONST(_ERR_ARGUMENT)) return fail("negative count", rc);
  if (API(_position)(raw) != 0) return fail("position after errors", API(_position)(raw));
  /* A bad token anywhere in a prompt rejects the whole prompt. */
  int32_t prompt[3] = {1, 2, CONST(_VOCAB_SIZE) + 5};
  if ((rc = API(_prefill)(raw, prompt, 3)) != CONST(_ERR_TOKEN)) return fail("bad token in prompt", rc);
  if (API(_position)(raw) != 0) return fail("position after bad prompt", API(_position)(raw));
  /* Fill the context exactly, then one more token is refused. */
  for (int i = 0; i < CONST(_CTX_MAX); ++i)
    if ((rc = API(_decode)(raw, i % CONST(_VOCAB_SIZE)))) return fail("decode while filling", rc);
  if ((rc = API(_decode)(raw, 0)) != CONST(_ERR_CONTEXT_FULL)) return fail("full context", rc);
  if (API(_position)(raw) != CONST(_CTX_MAX)) return fail("position at full", API(_position)(raw));
  API(_reset)(raw);
  if (API(_position)(raw) != 0) return fail("reset", API(_position)(raw));
  if ((rc = API(_decode)(raw, 0))) return fail("decode after reset", rc);
  if (strcmp(API(_strerror)(CONST(_ERR_CONTEXT_FULL)), API(_strerror)(CONST(_ERR_TOKEN))) == 0) return fail("strerror", 0);
  free(raw);
  printf("ok\n");
  return 0;
}

/* harness gen THREADS MAX SPEC TEMP SEED CTX_LIMIT TOKEN...: NAME_generate_ex
 * with max_draft SPEC (0: spec NULL), temperature TEMP (0: sampler NULL,
 * greedy) and seed SEED, after filling the context up to CTX_LIMIT tokens
 * short of full when CTX_LIMIT > 0 (repeating the prompt); prints the
 * generated count, the tokens, the final position, and the speculation stats. */
static int gen(int argc, char **argv) {
  const int threads = atoi(argv[2]), max_tokens = atoi(argv[3]), spec_n = atoi(argv[4]);
  const float temp = (float)atof(argv[5]);
  const int seed = atoi(argv[6]), room = atoi(argv[7]);
  const int n = argc - 8;
  int32_t *prompt = malloc(sizeof(int32_t) * (size_t)(CONST(_CTX_MAX) + n));
  for (int i = 0; i < n; ++i) prompt[i] = (int32_t)atoi(argv[8 + i]);
  int n_prompt = n;
  if (room > 0)
    for (; n_prompt < CONST(_CTX_MAX) - room; ++n_prompt) prompt[n_prompt] = prompt[n_prompt % n];
  void *st = alloc_state(0);
  int rc = init_state(st, CONST(_STATE_BYTES));
  if (rc == 0) rc = API(_set_threads)(st, threads);
  if (rc) return fail("init", rc);
  smolc_sampler sampler, *sp = NULL;
  static unsigned char work[SMOLC_SAMPLER_WORK_BYTES(CONST(_VOCAB_SIZE))];
  if (temp > 0) {
    smolc_sampler_params p = smolc_sampler_default_params();
    p.temperature = temp;
    p.seed = (uint64_t)seed;
    if ((rc = smolc_sampler_init(&sampler, &p, CONST(_VOCAB_SIZE), work, sizeof work))) return fail("sampler", rc);
    sp = &sampler;
  }
  smolc_speculation_stats stats = {0, 0, 0, 0};
  smolc_speculation spec = {spec_n, &stats};
  const int got = API(_generate_ex)(st, prompt, n_prompt, max_tokens, sp, NULL, NULL, spec_n > 0 ? &spec : NULL);
  if (got < 0) return fail("generate_ex", got);
  const int32_t *t = API(_tokens)(st);
  printf("generated %d\n", got);
  for (int i = n_prompt; i < API(_position)(st); ++i) printf("%d\n", (int)t[i]);
  printf("position %d\n", API(_position)(st));
  fprintf(stderr, "steps %lld drafted %lld accepted %lld generated %lld\n", (long long)stats.steps,
          (long long)stats.drafted, (long long)stats.accepted, (long long)stats.generated);
  free(st);
  free(prompt);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 6 && strcmp(argv[1], "run") == 0) return run(argc, argv);
  if (argc >= 9 && strcmp(argv[1], "gen") == 0) return gen(argc, argv);
  if (argc == 2 && strcmp(argv[1], "errors") == 0) return errors();
  fprintf(stderr, "usage: harness run OUT THREADS STEPS CHUNK TOKEN... | harness errors\n");
  return 2;
}
