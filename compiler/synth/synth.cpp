#include "synth/synth.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "frontend/dequant.h"
#include "frontend/error.h"
#include "synth/normal_rng.h"

namespace smolc::synth {

namespace fs = std::filesystem;

namespace {

constexpr double kStd = 0.02;

struct PlannedTensor {
  std::string name;
  std::vector<int64_t> shape;
  bool is_norm = false;
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

// Every tensor of an HF LLaMA checkpoint, in name order (the order of the
// header, of the data and of the per-tensor seeds).
std::vector<PlannedTensor> plan(const ModelConfig& c) {
  std::map<std::string, PlannedTensor> m;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, bool norm) {
    m[name] = PlannedTensor{name, std::move(shape), norm};
  };
  add("model.embed_tokens.weight", {c.vocab_size, c.dim}, false);
  for (int l = 0; l < c.n_layers; ++l) {
    add(hf_layer_tensor(l, "input_layernorm.weight"), {c.dim}, true);
    add(hf_layer_tensor(l, "self_attn.q_proj.weight"), {c.q_dim(), c.dim}, false);
    add(hf_layer_tensor(l, "self_attn.k_proj.weight"), {c.kv_dim(), c.dim}, false);
    add(hf_layer_tensor(l, "self_attn.v_proj.weight"), {c.kv_dim(), c.dim}, false);
    add(hf_layer_tensor(l, "self_attn.o_proj.weight"), {c.dim, c.q_dim()}, false);
    add(hf_layer_tensor(l, "post_attention_layernorm.weight"), {c.dim}, true);
    add(hf_layer_tensor(l, "mlp.gate_proj.weight"), {c.hidden_dim, c.dim}, false);
    add(hf_layer_tensor(l, "mlp.up_proj.weight"), {c.hidden_dim, c.dim}, false);
    add(hf_layer_tensor(l, "mlp.down_proj.weight"), {c.dim, c.hidden_dim}, false);
  }
  add("model.norm.weight", {c.dim}, true);
  if (!c.tie_embeddings) add("lm_head.weight", {c.vocab_size, c.dim}, false);
  std::vector<PlannedTensor> out;
  for (auto& [name, t] : m) out.push_back(std::move(t));
  return out;
}

size_t elem_size(DType t) { return t == DType::F32 ? 4 : 2; }

const char* st_dtype(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    default: throw std::logic_error("synth: unsupported dtype");
  }
}

void store(DType t, float v, uint8_t* dst) {
  if (t == DType::F32) {
    std::memcpy(dst, &v, 4);  // little-endian hosts only (x86-64, aarch64)
    return;
  }
  const uint16_t h = t == DType::BF16 ? f32_to_bf16(v) : f32_to_f16(v);
  dst[0] = static_cast<uint8_t>(h & 0xff);
  dst[1] = static_cast<uint8_t>(h >> 8);
}

[[noreturn]] void write_failed(const std::string& path) {
  throw std::runtime_error(path + ": write failed: " + std::strerror(errno));
}

nlohmann::ordered_json config_json(const std::string& preset, const ModelConfig& c, DType dtype) {
  nlohmann::ordered_json j;
  j["architectures"] = {"LlamaForCausalLM"};
  j["attention_bias"] = false;
  j["attention_dropout"] = 0.0;
  j["bos_token_id"] = c.bos_id;
  j["eos_token_id"] = c.eos_id;
  if (c.head_dim * c.n_heads != c.dim) j["head_dim"] = c.head_dim;
  j["hidden_act"] = "silu";
  j["hidden_size"] = c.dim;
  // As published: 135M uses 1/sqrt(576) = 1/24, the larger models 0.02.
  j["initializer_range"] = preset == "SmolLM2-135M" ? 0.041666666666666664 : 0.02;
  j["intermediate_size"] = c.hidden_dim;
  j["is_llama_config"] = true;
  j["max_position_embeddings"] = c.max_seq_len;
  j["mlp_bias"] = false;
  j["model_type"] = "llama";
  j["num_attention_heads"] = c.n_heads;
  j["num_hidden_layers"] = c.n_layers;
  j["num_key_value_heads"] = c.n_kv_heads;
  j["pad_token_id"] = 2;
  j["pretraining_tp"] = 1;
  j["rms_norm_eps"] = c.rms_eps;
  j["rope_interleaved"] = false;
  j["rope_scaling"] = nullptr;
  j["rope_theta"] = static_cast<int64_t>(c.rope_theta);
  j["tie_word_embeddings"] = c.tie_embeddings;
  j["torch_dtype"] = dtype == DType::F32 ? "float32" : dtype == DType::F16 ? "float16" : "bfloat16";
  j["use_cache"] = true;
  j["vocab_size"] = c.vocab_size;
  j["smolc_synth"] = {{"preset", preset}, {"std", kStd}};
  return j;
}

void write_text(const fs::path& p, const std::string& text) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(p.c_str(), "wb"), &std::fclose);
  if (!f) write_failed(p.string());
  if (std::fwrite(text.data(), 1, text.size(), f.get()) != text.size()) write_failed(p.string());
  if (std::fflush(f.get()) != 0) write_failed(p.string());
}

class Progress {
 public:
  Progress(bool on, uint64_t total) : on_(on), total_(total) {}
  void update(uint64_t done) {
    if (!on_) return;
    const int pct = static_cast<int>(done * 100 / (total_ ? total_ : 1));
    if (pct == last_) return;
    last_ = pct;
    std::fprintf(stderr, "\rsynth: model.safetensors %3d%% (%llu / %llu MB)", pct,
                 static_cast<unsigned long long>(done >> 20), static_cast<unsigned long long>(total_ >> 20));
    if (done == total_) std::fprintf(stderr, "\n");
  }

 private:
  bool on_;
  uint64_t total_;
  int last_ = -1;
};

void write_safetensors(const fs::path& path, const std::vector<PlannedTensor>& tensors, DType dtype, uint64_t seed,
                       bool progress) {
  const size_t es = elem_size(dtype);
  nlohmann::ordered_json header;
  header["__metadata__"] = {{"format", "pt"}, {"generator", "smolc synth"}, {"seed", std::to_string(seed)}};
  uint64_t off = 0;
  for (const auto& t : tensors) {
    const uint64_t n = static_cast<uint64_t>(t.numel()) * es;
    header[t.name] = {{"dtype", st_dtype(dtype)}, {"shape", t.shape}, {"data_offsets", {off, off + n}}};
    off += n;
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // 8-aligned data area, as safetensors writes it

  const fs::path tmp = path.string() + ".partial";
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(tmp.c_str(), "wb"), &std::fclose);
  if (!f) write_failed(tmp.string());
  std::setvbuf(f.get(), nullptr, _IOFBF, 1 << 20);
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(static_cast<uint64_t>(h.size()) >> (8 * i));
  if (std::fwrite(len, 1, 8, f.get()) != 8 || std::fwrite(h.data(), 1, h.size(), f.get()) != h.size())
    write_failed(tmp.string());

  Progress prog(progress, off);
  uint64_t done = 0;
  constexpr int64_t kChunk = 1 << 16;  // elements per write: memory stays flat
  std::vector<uint8_t> buf(static_cast<size_t>(kChunk) * es);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const PlannedTensor& t = tensors[i];
    NormalStream rng(seed, i);
    const int64_t n = t.numel();
    for (int64_t start = 0; start < n; start += kChunk) {
      const int64_t m = std::min(kChunk, n - start);
      for (int64_t k = 0; k < m; ++k) {
        const float v = t.is_norm ? 1.0f : static_cast<float>(kStd * rng.next_normal());
        store(dtype, v, buf.data() + static_cast<size_t>(k) * es);
      }
      const size_t bytes = static_cast<size_t>(m) * es;
      if (std::fwrite(buf.data(), 1, bytes, f.get()) != bytes) write_failed(tmp.string());
      done += bytes;
      prog.update(done);
    }
  }
  if (std::fflush(f.get()) != 0) write_failed(tmp.string());
  f.reset();
  fs::rename(tmp, path);
}

}  // namespace

std::string bundled_tokenizer_path() {
  const char* env = std::getenv("SMOLC_DATA_DIR");
  const std::string data = env && *env ? env : SMOLC_SOURCE_DIR "/models";
  return data + "/smollm2-135m-instruct/tokenizer.json";
}

void write_checkpoint(const Options& opt) {
  const ModelConfig c = preset_config(opt.preset);
  validate_config(c, "preset " + opt.preset);
  if (opt.dtype != DType::F32 && opt.dtype != DType::F16 && opt.dtype != DType::BF16)
    throw InputError("--dtype", "",
                     std::string(dtype_name(opt.dtype)) + " is not supported (expected f32, f16 or bf16)");
  const std::string tok = bundled_tokenizer_path();
  if (!fs::is_regular_file(tok))
    throw InputError(tok, "", "the bundled tokenizer.json is missing (set SMOLC_DATA_DIR to the models/ directory)");
  const fs::path dir(opt.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) throw InputError(opt.out_dir, "", "cannot create this output directory");
  write_text(dir / "config.json", config_json(opt.preset, c, opt.dtype).dump(2) + "\n");
  fs::copy_file(tok, dir / "tokenizer.json", fs::copy_options::overwrite_existing);
  write_safetensors(dir / "model.safetensors", plan(c), opt.dtype, opt.seed, opt.progress);
}

}  // namespace smolc::synth
