// chat: a terminal chat with a smolc-compiled instruct model (ChatML, e.g.
// SmolLM2-135M-Instruct). One line of stdin is one user turn; the answer
// streams to stdout. Every turn re-renders the whole conversation with the
// model's chat template and prefills only what the context does not hold yet.
//
//   chat [-n MAX_TOKENS] [-t TEMPERATURE] [-s SEED] [-T THREADS]
//
// ENGINE / ENGINE_U / -include ENGINE.h as in examples/generate.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "smolc_chatml.h"

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(x) CAT(ENGINE, x)
#define CONST(x) CAT(ENGINE_U, x)

#if !CONST(_HAS_TOKENIZER)
#error "chat needs an engine compiled with its tokenizer"
#endif

namespace {

std::vector<int32_t> encode(const std::string& text) {
  std::vector<int32_t> ids(text.size() + 1);
  std::vector<unsigned char> scratch(API(_encode_scratch_bytes)(text.size()));
  const int64_t n = API(_encode)(text.data(), text.size(), ids.data(), ids.size(), scratch.data(), scratch.size());
  ids.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return ids;
}

int32_t id_of(const char* token) { return API(_token_id)(token, std::strlen(token)); }

}  // namespace

int main(int argc, char** argv) {
  int max_tokens = 256, threads = 0;
  float temperature = 0.0f;
  uint64_t seed = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "-n")) max_tokens = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "-t")) temperature = static_cast<float>(std::atof(argv[i + 1]));
    else if (!std::strcmp(argv[i], "-s")) seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "-T")) threads = std::atoi(argv[i + 1]);
  }
  void* state = nullptr;
  if (posix_memalign(&state, CONST(_STATE_ALIGN), CONST(_STATE_BYTES)) != 0) return 1;
  if (int rc = API(_init)(state, CONST(_STATE_BYTES))) {
    std::fprintf(stderr, "chat: %s\n", API(_strerror)(rc));
    return 1;
  }
  if (threads > 0) API(_set_threads)(state, threads);
  const int32_t im_end = id_of(SMOLC_CHATML_IM_END), endoftext = id_of(SMOLC_CHATML_ENDOFTEXT);

  std::vector<unsigned char> work(SMOLC_SAMPLER_WORK_BYTES(CONST(_VOCAB_SIZE)));
  smolc_sampler sampler;
  smolc_sampler_params params = smolc_sampler_default_params();
  params.temperature = temperature;
  params.seed = seed;
  if (smolc_sampler_init(&sampler, &params, CONST(_VOCAB_SIZE), work.data(), work.size()) != 0) return 2;

  std::vector<std::string> roles, contents;
  std::string line;
  while (std::getline(std::cin, line)) {
    roles.push_back("user");
    contents.push_back(line);
    std::vector<smolc_chat_message> msgs;
    for (size_t i = 0; i < roles.size(); ++i)
      msgs.push_back({roles[i].data(), roles[i].size(), contents[i].data(), contents[i].size()});
    std::string text(smolc_chatml_render(msgs.data(), msgs.size(), 1, nullptr, 0) + 1, '\0');
    text.resize(smolc_chatml_render(msgs.data(), msgs.size(), 1, text.data(), text.size()));
    // The context already holds the conversation's earlier tokens; re-encode
    // the whole text and prefill what differs from them.
    std::vector<int32_t> ids = encode(text);
    const int held = API(_position)(state);
    int same = 0;
    while (same < held && same < static_cast<int>(ids.size()) && API(_tokens)(state)[same] == ids[static_cast<size_t>(same)]) ++same;
    if (same < held) {
      API(_reset)(state);
      same = 0;
    }
    if (static_cast<int>(ids.size()) >= CONST(_CTX_MAX)) {
      std::fprintf(stderr, "chat: the conversation no longer fits in %d tokens\n", CONST(_CTX_MAX));
      return 1;
    }
    if (int rc = API(_prefill)(state, ids.data() + same, static_cast<int>(ids.size()) - same)) {
      std::fprintf(stderr, "chat: %s\n", API(_strerror)(rc));
      return 1;
    }
    std::string answer;
    int32_t prev = ids.empty() ? -1 : ids.back();
    for (int step = 0; step < max_tokens && API(_position)(state) < CONST(_CTX_MAX); ++step) {
      const int32_t next = smolc_sampler_sample(&sampler, API(_logits)(state), API(_tokens)(state), API(_position)(state));
      if (next < 0 || smolc_chatml_is_stop(next, im_end, endoftext)) break;
      const char* bytes = nullptr;
      const size_t n = API(_token_text)(prev, next, &bytes);
      std::fwrite(bytes, 1, n, stdout);
      std::fflush(stdout);
      answer.append(bytes, n);
      if (API(_decode)(state, next) != 0) break;
      prev = next;
    }
    std::printf("\n");
    roles.push_back("assistant");
    contents.push_back(answer);
  }
  std::free(state);
  return 0;
}
