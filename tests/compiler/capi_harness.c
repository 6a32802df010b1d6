/* Calls the C API of a compiled engine with NULL pointers, bad counts and
 * huge sizes (tests/compiler/test_capi_contract.cpp). Prints one
 * "NAME VALUE" line per call; a crash is a failure. ENGINE / ENGINE_U name
 * the engine, which must have a tokenizer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define E(x) CAT(ENGINE, x)
#define U(x) CAT(ENGINE_U, x)

int main(void) {
  void *state = aligned_alloc(U(STATE_ALIGN), (U(STATE_BYTES) + U(STATE_ALIGN) - 1) / U(STATE_ALIGN) * U(STATE_ALIGN));
  if (!state || E(init)(state, U(STATE_BYTES)) != 0) return 1;
  int32_t out[64];
  const size_t scratch_bytes = E(encode_scratch_bytes)(16);
  void *scratch = malloc(scratch_bytes);
  if (!scratch) return 1;
  const char *bytes = NULL;

  printf("encode_null_text %lld\n", (long long)E(encode)(NULL, 5, out, 64, scratch, scratch_bytes));
  printf("encode_null_out %lld\n", (long long)E(encode)("abc", 3, NULL, 64, scratch, scratch_bytes));
  printf("encode_null_scratch %lld\n", (long long)E(encode)("abc", 3, out, 64, NULL, scratch_bytes));
  printf("encode_empty_nulls %lld\n", (long long)E(encode)(NULL, 0, out, 64, scratch, scratch_bytes));
  printf("encode_huge_text %lld\n", (long long)E(encode)("abc", U(MAX_TEXT_BYTES) + 1, out, 64, scratch, SIZE_MAX));
  printf("encode_ok %d\n", E(encode)("abc", 3, out, 64, scratch, scratch_bytes) > 0);
  printf("encode_out_full %lld\n", (long long)E(encode)("abc abc abc", 11, out, 1, scratch, scratch_bytes));
  printf("encode_scratch_small %lld\n", (long long)E(encode)("abc", 3, out, 64, scratch, 8));
  {
    /* Codes 0 and -1..-10: every strerror text known and different. */
    int distinct = 1;
    for (int a = -10; a <= 0; ++a) {
      if (strcmp(E(strerror)(a), "unknown error") == 0) distinct = 0;
      for (int b = a + 1; b <= 0; ++b)
        if (strcmp(E(strerror)(a), E(strerror)(b)) == 0) distinct = 0;
    }
    printf("strerror_distinct %d\n", distinct);
  }
  printf("token_text_null %zu\n", E(token_text)(-1, 5, NULL));
  printf("token_text_ok %d\n", E(token_text)(-1, 5, &bytes) > 0 && bytes != NULL);
  printf("token_id_null %d\n", (int)E(token_id)(NULL, 3));
  printf("scratch_max %d\n", E(encode_scratch_bytes)(SIZE_MAX) == SIZE_MAX);
  printf("scratch_half %d\n", E(encode_scratch_bytes)(SIZE_MAX / 2) == SIZE_MAX);
  printf("scratch_limit %d\n", E(encode_scratch_bytes)(U(MAX_TEXT_BYTES)) > U(MAX_TEXT_BYTES));
  printf("threads_neg %d\n", E(set_threads)(state, -1));
  printf("threads_1000 %d\n", E(set_threads)(state, 1000));
  printf("threads_max_plus_1 %d\n", E(set_threads)(state, U(MAX_THREADS) + 1));
  printf("threads_max %d\n", E(set_threads)(state, U(MAX_THREADS)));
  printf("threads_0 %d\n", E(set_threads)(state, 0));
  printf("threads_1 %d\n", E(set_threads)(state, 1));
  free(scratch);
  free(state);
  return 0;
}
