// libFuzzer target: the llama2.c loaders. The first byte picks the file: even,
// a model .bin (header, shared-classifier sign, weight sizes) loaded with the
// bundled tok512.bin; odd, a tokenizer .bin for a vocabulary of
// 4 + second byte * 4 entries (127: the 512 of tok512.bin). Accepted inputs must dequantise / encode.
// Built by -DSMOLC_FUZZ=ON; run with tools/fuzz.sh.
#include "fuzz_support.h"
#include "frontend/checkpoint.h"
#include "frontend/tokenizer_data.h"
#include "text/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  if (data[0] % 2 == 0) {
    const std::string path = smolc::fuzz::write_scratch("model.bin", data + 1, size - 1);
    smolc::fuzz::refuse_or_accept([&] {
      const smolc::Checkpoint ck = smolc::load_llama2c(path, SMOLC_SOURCE_DIR "/models/stories260K/tok512.bin");
      for (const auto& [name, t] : ck.tensors) (void)ck.load_f32(name);
    });
  } else {
    const int64_t vocab = 4 + int64_t{data[1]} * 4;
    const std::string path = smolc::fuzz::write_scratch("tok.bin", data + 2, size - 2);
    smolc::fuzz::refuse_or_accept([&] {
      const smolc::Tokenizer tok(smolc::load_llama2c_tokenizer(path, vocab));
      (void)tok.decode(tok.encode("Once upon a time, 42"));
    });
  }
  return 0;
}
