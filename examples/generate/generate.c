/* generate: streams a continuation of a prompt from a smolc-compiled engine.
 *
 *   generate [-n TOKENS] [-t TEMPERATURE] [-p TOP_P] [-s SEED] [-T THREADS] [--no-bos] [PROMPT]
 *
 * Built against any engine: ENGINE is its C prefix (e.g. stories260k_f32),
 * ENGINE_U the same in upper case, and the build includes ENGINE's header
 * first (CMakeLists.txt here does all three from find_package). Greedy by
 * default, like llama2.c's `run -t 0`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(x) CAT(ENGINE, x)
#define CONST(x) CAT(ENGINE_U, x)

#if !CONST(_HAS_TOKENIZER)
#error "generate needs an engine compiled with its tokenizer"
#endif

static int print_text(void *user, const char *bytes, size_t n) {
  (void)user;
  fwrite(bytes, 1, n, stdout);
  fflush(stdout);
  return 0;
}

static int die(const char *what, int code) {
  fprintf(stderr, "generate: %s: %s\n", what, code < 0 ? API(_strerror)(code) : "failed");
  return 1;
}

int main(int argc, char **argv) {
  int steps = 256, threads = 0, bos = CONST(_BOS_ID) >= 0;
  float temperature = 0.0f, top_p = 0.9f;
  unsigned long long seed = 0;
  const char *prompt = "";
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const int has_value = i + 1 < argc;
    if (!strcmp(a, "-n") && has_value) steps = atoi(argv[++i]);
    else if (!strcmp(a, "-t") && has_value) temperature = (float)atof(argv[++i]);
    else if (!strcmp(a, "-p") && has_value) top_p = (float)atof(argv[++i]);
    else if (!strcmp(a, "-s") && has_value) seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(a, "-T") && has_value) threads = atoi(argv[++i]);
    else if (!strcmp(a, "--no-bos")) bos = 0;
    else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "usage: %s [-n TOKENS] [-t TEMPERATURE] [-p TOP_P] [-s SEED] [-T THREADS] [--no-bos] [PROMPT]\n", argv[0]);
      return 2;
    } else prompt = a;
  }

  void *state = NULL;
  if (posix_memalign(&state, CONST(_STATE_ALIGN), CONST(_STATE_BYTES)) != 0) return die("state", 0);
  int rc = API(_init)(state, CONST(_STATE_BYTES));
  if (rc) return die("init", rc);
  if (threads > 0 && (rc = API(_set_threads)(state, threads))) return die("threads", rc);

  /* Prompt ids: optional BOS, then the encoded text. */
  const size_t len = strlen(prompt);
  int32_t *ids = malloc(sizeof(int32_t) * (len + 2));
  void *scratch = malloc(API(_encode_scratch_bytes)(len));
  if (!ids || !scratch) return die("memory", 0);
  int n = 0;
  if (bos) ids[n++] = CONST(_BOS_ID);
  const int64_t got = API(_encode)(prompt, len, ids + n, len + 1, scratch, API(_encode_scratch_bytes)(len));
  if (got < 0) return die("encode", (int)got);
  n += (int)got;
  if (n == 0) {
    fprintf(stderr, "generate: empty prompt and no BOS token: nothing to continue\n");
    return 2;
  }
  /* The prompt itself is echoed, then the continuation streams after it. */
  fwrite(prompt, 1, len, stdout);

  smolc_sampler sampler, *use = NULL;
  void *work = NULL;
  if (temperature > 0.0f) {
    smolc_sampler_params p = smolc_sampler_default_params();
    p.temperature = temperature;
    p.top_p = top_p;
    p.seed = seed;
    work = malloc(SMOLC_SAMPLER_WORK_BYTES(CONST(_VOCAB_SIZE)));
    if (smolc_sampler_init(&sampler, &p, CONST(_VOCAB_SIZE), work, SMOLC_SAMPLER_WORK_BYTES(CONST(_VOCAB_SIZE))) != 0)
      return die("sampler parameters", 0);
    use = &sampler;
  }
  if (steps > CONST(_CTX_MAX) - n) steps = CONST(_CTX_MAX) - n;
  rc = API(_generate)(state, ids, n, steps, use, print_text, NULL);
  if (rc < 0) return die("generate", rc);
  printf("\n");
  free(work);
  free(scratch);
  free(ids);
  free(state);
  return 0;
}
