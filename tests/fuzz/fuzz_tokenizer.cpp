// libFuzzer target: encode + decode + streaming on both bundled tokenizers
// (SmolLM2 byte-level BPE, stories260K tok512 SentencePiece-BPE), with exact
// oracles: decoding gives the input back (minus the bytes SmolLM2 has no
// token for; plus llama2.c's dummy-prefix space), streaming gives the same
// bytes as decode, and fuzz bytes read as ids either decode or raise InputError.
// Built by -DSMOLC_FUZZ=ON; run with tools/fuzz.sh.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "frontend/error.h"
#include "frontend/tokenizer_data.h"
#include "text/tokenizer.h"

namespace {

struct Tokenizers {
  smolc::Tokenizer bpe{smolc::load_hf_tokenizer_json(SMOLC_SOURCE_DIR "/models/smollm2-135m-instruct/tokenizer.json")};
  smolc::Tokenizer sp{smolc::load_llama2c_tokenizer(SMOLC_SOURCE_DIR "/models/stories260K/tok512.bin", 512)};
};

const Tokenizers& tokenizers() {
  static const Tokenizers t;
  return t;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_tokenizer: %s\n", what);
    std::abort();
  }
}

void round_trip(const smolc::Tokenizer& tok, const std::string& text, const std::string& expected) {
  std::vector<int32_t> ids = tok.encode(text);
  check(ids.size() <= text.size() + 1, "more ids than bytes + 1");
  check(tok.decode(ids) == expected, "decode(encode(text)) differs");
  smolc::StreamDecoder stream(tok);
  std::string streamed;
  for (int32_t id : ids) streamed += stream.push(id);
  streamed += stream.flush();
  check(streamed == expected, "streamed bytes differ from decode");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Tokenizers& t = tokenizers();
  const std::string text(reinterpret_cast<const char*>(data), size);

  std::string kept;  // SmolLM2 drops bytes its vocab has no token for
  for (char c : text)
    if (t.bpe.token_id(std::string(1, c)) >= 0) kept += c;
  round_trip(t.bpe, text, kept);
  round_trip(t.sp, text, text.empty() ? text : " " + text);

  std::vector<int32_t> ids(size / 4);
  if (!ids.empty()) std::memcpy(ids.data(), data, ids.size() * 4);
  for (const smolc::Tokenizer* tok : {&t.bpe, &t.sp}) {
    bool in_range = true;
    for (int32_t id : ids) in_range = in_range && id >= 0 && id < tok->vocab_size();
    try {
      tok->decode(ids);
      check(in_range, "decode accepted an out-of-range id");
    } catch (const smolc::InputError&) {
      check(!in_range, "decode rejected valid ids");
    }
  }
  return 0;
}
