// libFuzzer target: tokenizer.json (the byte-level BPE model, added tokens,
// pre-tokenizer and decoder checks); an accepted file must also build a
// tokenizer that encodes and decodes. Built by -DSMOLC_FUZZ=ON; run with tools/fuzz.sh.
#include "fuzz_support.h"
#include "frontend/tokenizer_data.h"
#include "text/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = smolc::fuzz::write_scratch("tokenizer.json", data, size);
  smolc::fuzz::refuse_or_accept([&] {
    const smolc::Tokenizer tok(smolc::load_hf_tokenizer_json(path));
    (void)tok.decode(tok.encode("Hello, world! <|im_start|>user\n\xc3\xa9t\xc3\xa9 123"));
  });
  return 0;
}
