// libFuzzer target: the GGUF loader (gguf_reader.cpp parse, tensor table,
// tokenizer.ggml.*, the llama.* config and tensor validation) on arbitrary
// bytes. An accepted file must also dequantise every tensor and give a
// tokenizer that encodes and decodes. Built by -DSMOLC_FUZZ=ON; run with tools/fuzz.sh.
#include "fuzz_support.h"
#include "frontend/checkpoint.h"
#include "text/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = smolc::fuzz::write_scratch("model.gguf", data, size);
  smolc::fuzz::refuse_or_accept([&] {
    const smolc::Checkpoint ck = smolc::load_gguf(path);
    for (const auto& [name, t] : ck.tensors) (void)ck.load_f32(name);
    const smolc::Tokenizer tok(ck.tokenizer);
    (void)tok.decode(tok.encode("Hello, world! 123"));
  });
  return 0;
}
