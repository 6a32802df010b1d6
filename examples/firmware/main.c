/* firmware: a smolc engine on a bare-metal Cortex-M, with no OS, no heap and
 * no stdio. Built against any engine: ENGINE is its C prefix (e.g.
 * stories260k_q8), ENGINE_U the same in upper case, and the build includes
 * ENGINE's header first (tools/firmware-demo.sh does all three).
 *
 * The command line comes from the debugger (semihosting):
 *   prog [-n TOKENS] [-t TEMPERATURE] [-p TOP_P] [-s SEED] [-i] [PROMPT...]
 *     streams a continuation of PROMPT (after BOS) with ENGINE_generate;
 *     -i instead runs prefill and greedy decode separately and prints their
 *     instruction counts (meaningful only under qemu -icount shift=0).
 *   prog -L FILE STEPS TOKEN...
 *     prefills the token ids, decodes STEPS greedy tokens, writes the logits
 *     after the prompt and after every step ((1 + STEPS) x VOCAB f32) to the
 *     host file FILE and prints the greedy ids, one a line (the test harness
 *     of tests/firmware). */
#include <stdint.h>
#include <string.h>

#include "semihost.h"

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(x) CAT(ENGINE, x)
#define CONST(x) CAT(ENGINE_U, x)

#define MAX_PROMPT 1024
#define SCRATCH_BYTES (36 * (MAX_PROMPT + 1) + 64 + 32768)

/* Everything large goes to the STATE region of the linker script (SRAM or
 * external RAM), not the small tightly coupled RAM. */
#define STATE_SECTION __attribute__((section(".bss.smolc_state"), aligned(64)))
static uint8_t state[CONST(_STATE_BYTES)] STATE_SECTION;
static uint8_t sampler_work[SMOLC_SAMPLER_WORK_BYTES(CONST(_VOCAB_SIZE))] STATE_SECTION;
#if CONST(_HAS_TOKENIZER)
static uint8_t encode_scratch[SCRATCH_BYTES] STATE_SECTION;
#endif
static int32_t ids[MAX_PROMPT + 2];

/* ---- console -------------------------------------------------------------- */
static int console = -1;
static char line[256];
static size_t line_len;

static void flush(void) {
  if (line_len && console >= 0) sh_write(console, line, line_len);
  line_len = 0;
}
static void put(const char *s, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    line[line_len++] = s[i];
    if (s[i] == '\n' || line_len == sizeof line) flush();
  }
}
static void puts_(const char *s) { put(s, strlen(s)); }
static void put_u64(uint64_t v) {
  char b[24];
  int i = (int)sizeof b;
  do {
    b[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  put(b + i, sizeof b - (size_t)i);
}
static int fail(const char *what, int code) {
  puts_("firmware: ");
  puts_(what);
  if (code < 0) {
    puts_(": ");
    puts_(API(_strerror)(code));
  }
  puts_("\n");
  flush();
  return 2;
}
static int emit(void *user, const char *bytes, size_t n) {
  (void)user;
  put(bytes, n);
  return 0;
}

/* ---- instruction counts ------------------------------------------------------
 * Under qemu -icount shift=0 every instruction advances virtual time by 1 ns,
 * and SysTick (processor clock) counts virtual time; a loop of a known number
 * of instructions converts ticks to instructions. These are instruction
 * counts of the emulated core, not cycles and not a speed. */
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
static volatile uint32_t systick_wraps;
void SysTick_Handler(void) { ++systick_wraps; }

static uint64_t ticks(void) {
  uint32_t w, v;
  do {
    w = systick_wraps;
    v = SYST_CVR;
  } while (w != systick_wraps);
  return (uint64_t)w << 24 | (0xFFFFFFu - v);
}
static uint64_t ticks_per_mega_insn;
static void counter_start(void) {
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 7; /* processor clock, interrupt on wrap, enabled */
  while (SYST_CVR == 0) {
  } /* the counter reads 0 until its first reload */
  uint32_t n = 500000;
  const uint64_t t0 = ticks();
  __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n)::"cc"); /* 2 instructions a turn */
  ticks_per_mega_insn = ticks() - t0;
}
static uint64_t insns_since(uint64_t t0) {
  return ticks_per_mega_insn ? (ticks() - t0) * 1000000u / ticks_per_mega_insn : 0;
}

/* ---- command line ----------------------------------------------------------- */
static char cmdline[MAX_PROMPT + 256];
static char *argv_[64];

static int parse_uint(const char *s, uint64_t *v) {
  if (!*s) return 0;
  uint64_t x = 0;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10) return 0;
    x = x * 10 + (uint64_t)(*s - '0');
  }
  *v = x;
  return 1;
}
/* "0.8", "1", ".5": enough for a temperature without pulling in strtod. */
static int parse_float(const char *s, float *v) {
  float x = 0, scale = 1;
  int digits = 0, frac = 0;
  for (; *s; ++s) {
    if (*s == '.' && !frac) frac = 1;
    else if (*s >= '0' && *s <= '9') {
      ++digits;
      if (frac) x += (float)(*s - '0') * (scale *= 0.1f);
      else x = x * 10 + (float)(*s - '0');
    } else return 0;
  }
  *v = x;
  return digits > 0;
}

static int logits_mode(int argc, char **argv) {
  uint64_t steps;
  if (argc < 5 || !parse_uint(argv[3], &steps)) return fail("usage: -L FILE STEPS TOKEN...", 0);
  int n = 0;
  for (int i = 4; i < argc; ++i) {
    uint64_t t;
    if (n >= MAX_PROMPT || !parse_uint(argv[i], &t) || t > INT32_MAX) return fail("bad token id", 0);
    ids[n++] = (int32_t)t;
  }
  const int out = sh_open(argv[2], 5);
  if (out < 0) return fail("cannot open the logits file", 0);
  int rc = API(_prefill)(state, ids, n);
  if (rc) return fail("prefill", rc);
  const size_t row = sizeof(float) * CONST(_VOCAB_SIZE);
  if (sh_write(out, API(_logits)(state), row)) return fail("write", 0);
  for (uint64_t s = 0; s < steps; ++s) {
    const int32_t next = API(_argmax)(state);
    put_u64((uint64_t)next);
    puts_("\n");
    if ((rc = API(_decode)(state, next))) return fail("decode", rc);
    if (sh_write(out, API(_logits)(state), row)) return fail("write", 0);
  }
  sh_close(out);
  flush();
  return 0;
}

int main(void) {
  console = sh_open(":tt", 4);
  const int len = sh_cmdline(cmdline, sizeof cmdline);
  if (len < 0) return fail("no command line (run with -semihosting-config enable=on,arg=...)", 0);
  int argc = 0;
  for (char *p = cmdline; *p && argc < 64;) {
    while (*p == ' ') *p++ = '\0';
    if (!*p) break;
    argv_[argc++] = p;
    while (*p && *p != ' ') ++p;
  }
  char **argv = argv_;
  int rc = API(_init)(state, sizeof state);
  if (rc) return fail("init", rc);
  if (argc >= 2 && !strcmp(argv[1], "-L")) return logits_mode(argc, argv);

  uint64_t steps = 256, seed = 0;
  float temperature = 0, top_p = 1;
  int count = 0, i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    const char *a = argv[i];
    const int has = i + 1 < argc;
    if (!strcmp(a, "-n") && has && parse_uint(argv[i + 1], &steps)) ++i;
    else if (!strcmp(a, "-t") && has && parse_float(argv[i + 1], &temperature)) ++i;
    else if (!strcmp(a, "-p") && has && parse_float(argv[i + 1], &top_p)) ++i;
    else if (!strcmp(a, "-s") && has && parse_uint(argv[i + 1], &seed)) ++i;
    else if (!strcmp(a, "-i")) count = 1;
    else return fail("usage: [-n TOKENS] [-t TEMPERATURE] [-p TOP_P] [-s SEED] [-i] [PROMPT...]", 0);
  }
  /* The rest of the line is the prompt, its words joined by single spaces. */
  char *prompt = i < argc ? argv[i] : cmdline + len;
  for (int j = i + 1; j < argc; ++j) argv[j][-1] = ' ';
  const size_t plen = strlen(prompt);
  if (plen > MAX_PROMPT) return fail("prompt longer than 1024 bytes", 0);

  int n = 0;
  if (CONST(_BOS_ID) >= 0) ids[n++] = CONST(_BOS_ID);
#if CONST(_HAS_TOKENIZER)
  const int64_t got = API(_encode)(prompt, plen, ids + n, MAX_PROMPT + 1, encode_scratch, sizeof encode_scratch);
  if (got < 0) return fail("encode", (int)got);
  n += (int)got;
#else
  if (plen) return fail("this engine has no tokenizer; give no prompt", 0);
#endif
  if (n == 0) return fail("empty prompt and no BOS token", 0);
  if (steps > (uint64_t)(CONST(_CTX_MAX) - n)) steps = (uint64_t)(CONST(_CTX_MAX) - n);
  put(prompt, plen);

  if (count) {
    counter_start();
    uint64_t t0 = ticks();
    if ((rc = API(_prefill)(state, ids, n))) return fail("prefill", rc);
    const uint64_t prefill = insns_since(t0);
    int32_t prev = ids[n - 1];
    t0 = ticks();
    for (uint64_t s = 0; s < steps; ++s) {
      const int32_t next = API(_argmax)(state);
#if CONST(_HAS_TOKENIZER)
      const char *bytes;
      const size_t nb = API(_token_text)(prev, next, &bytes);
      put(bytes, nb);
#endif
      prev = next;
      if ((rc = API(_decode)(state, next))) return fail("decode", rc);
    }
    const uint64_t decode = insns_since(t0);
    puts_("\ninstructions: prompt tokens ");
    put_u64((uint64_t)n);
    puts_(" prefill ");
    put_u64(prefill);
    puts_(" per prompt token ");
    put_u64(prefill / (uint64_t)n);
    puts_(" decoded tokens ");
    put_u64(steps);
    puts_(" per decoded token ");
    put_u64(steps ? decode / steps : 0);
    puts_("\n");
    flush();
    return 0;
  }

  smolc_sampler sampler, *use = NULL;
  if (temperature > 0) {
    smolc_sampler_params p = smolc_sampler_default_params();
    p.temperature = temperature;
    p.top_p = top_p;
    p.seed = seed;
    if (smolc_sampler_init(&sampler, &p, CONST(_VOCAB_SIZE), sampler_work, sizeof sampler_work) != 0)
      return fail("sampler parameters", 0);
    use = &sampler;
  }
  rc = API(_generate)(state, ids, n, (int)steps, use, emit, NULL);
  if (rc < 0) return fail("generate", rc);
  puts_("\n");
  flush();
  return 0;
}
