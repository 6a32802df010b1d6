// libFuzzer target: a safetensors file (the 8-byte length, the JSON header,
// dtypes, shapes and data offsets), then the tensor-set validation against a
// small fixed config (the one tests/fuzz/make_corpus.py writes its seeds for),
// then every tensor read as f32. Built by -DSMOLC_FUZZ=ON; run with tools/fuzz.sh.
#include "fuzz_support.h"
#include "frontend/checkpoint.h"
#include "frontend/safetensors.h"

namespace {

// Keep in step with make_corpus.py's TINY.
smolc::ModelConfig tiny_config() {
  smolc::ModelConfig c;
  c.model_type = "llama";
  c.vocab_size = 32;
  c.dim = 8;
  c.hidden_dim = 16;
  c.n_layers = 1;
  c.n_heads = 2;
  c.n_kv_heads = 1;
  c.head_dim = 4;
  c.max_seq_len = 64;
  c.tie_embeddings = true;
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = smolc::fuzz::write_scratch("model.safetensors", data, size);
  smolc::fuzz::refuse_or_accept([&] {
    smolc::Checkpoint ck;
    ck.path = path;
    ck.format = "hf";
    ck.cfg = tiny_config();
    smolc::load_safetensors_file(path, ck);
    smolc::validate_tensors(ck);
    for (const auto& [name, t] : ck.tensors) (void)ck.load_f32(name);
  });
  return 0;
}
