// Importer for llama2.c checkpoints (Karpathy's run.c format), legacy v0 and
// v1 ("ak42"). The weights stay in the memory map; every TensorInfo points at
// its slice under its HF name with its HF shape, so the rest of smolc sees the
// same model a HF export of the same network would give. Format details and
// the RoPE row permutation are documented in docs/llama2c.md.
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>

#include "frontend/checkpoint.h"
#include "frontend/config.h"
#include "frontend/error.h"

namespace smolc {
namespace {

constexpr uint32_t kMagicV1 = 0x616b3432;  // "ak42" as a little-endian uint32
constexpr size_t kHeaderV0 = 7 * 4;
constexpr size_t kHeaderV1 = 256;

// Header numbers as stored (int32) plus what we derive from them.
struct Header {
  int version = 0;  // 0 = legacy, 1 = "ak42" v1
  int32_t dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0, vocab = 0, seq_len = 0;
  bool shared_classifier = true;
  size_t weights_offset = 0;
};

int32_t read_i32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Loose sanity caps: far above any llama2.c model, low enough that every size
// computed from them fits in 64 bits. validate_config applies the project-wide
// limits afterwards; the file-size check below is what really protects us.
void check_field(const std::string& file, const char* field, size_t offset, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi)
    throw InputError(
        file, std::string("header field ") + field + " (offset " + std::to_string(offset) + ")",
        "value " + std::to_string(v) + " is out of range, expected " + std::to_string(lo) + ".." + std::to_string(hi));
}

Header parse_header(const MappedFile& f) {
  const std::string& file = f.path();
  Header h;
  const uint8_t* p = f.data();
  if (f.size() >= 4 && static_cast<uint32_t>(read_i32(p)) == kMagicV1) {
    if (f.size() < kHeaderV1)
      throw InputError(file, "offset 0",
                       "file has " + std::to_string(f.size()) + " bytes, shorter than the 256-byte llama2.c v1 header");
    const int32_t version = read_i32(p + 4);
    if (version != 1)
      throw InputError(file, "header field version (offset 4)",
                       "llama2.c format version " + std::to_string(version) +
                           " is not supported, expected 1 (float32); re-export with export.py --version 1");
    h.version = 1;
    p += 8;
    const uint8_t shared = f.data()[36];
    if (shared > 1)
      throw InputError(file, "header field shared_classifier (offset 36)",
                       "value " + std::to_string(shared) + ", expected 0 or 1");
    h.shared_classifier = shared == 1;
    h.weights_offset = kHeaderV1;
  } else {
    if (f.size() < kHeaderV0)
      throw InputError(file, "offset 0",
                       "file has " + std::to_string(f.size()) + " bytes, shorter than the 28-byte llama2.c header");
    h.weights_offset = kHeaderV0;
  }
  const size_t base = h.version == 1 ? 8 : 0;
  h.dim = read_i32(p + 0);
  h.hidden_dim = read_i32(p + 4);
  h.n_layers = read_i32(p + 8);
  h.n_heads = read_i32(p + 12);
  h.n_kv_heads = read_i32(p + 16);
  h.vocab = read_i32(p + 20);
  h.seq_len = read_i32(p + 24);
  if (h.version == 0) {
    // v0 marks an untied classifier by a negative vocab_size.
    h.shared_classifier = h.vocab > 0;
    if (h.vocab < 0 && h.vocab != std::numeric_limits<int32_t>::min()) h.vocab = -h.vocab;
  }
  check_field(file, "dim", base + 0, h.dim, 2, 1 << 16);
  check_field(file, "hidden_dim", base + 4, h.hidden_dim, 1, 1 << 18);
  check_field(file, "n_layers", base + 8, h.n_layers, 1, 1024);
  check_field(file, "n_heads", base + 12, h.n_heads, 1, 1024);
  check_field(file, "n_kv_heads", base + 16, h.n_kv_heads, 1, 1024);
  check_field(file, "vocab_size", base + 20, h.vocab, 1, 1 << 22);
  check_field(file, "seq_len", base + 24, h.seq_len, 1, 1 << 20);
  if (h.dim % h.n_heads != 0)
    throw InputError(file, "header field n_heads (offset " + std::to_string(base + 12) + ")",
                     "dim " + std::to_string(h.dim) + " is not a multiple of n_heads " + std::to_string(h.n_heads));
  if (h.n_heads % h.n_kv_heads != 0)
    throw InputError(
        file, "header field n_kv_heads (offset " + std::to_string(base + 16) + ")",
        "n_heads " + std::to_string(h.n_heads) + " is not a multiple of n_kv_heads " + std::to_string(h.n_kv_heads));
  if ((h.dim / h.n_heads) % 2 != 0)
    throw InputError(file, "header field n_heads (offset " + std::to_string(base + 12) + ")",
                     "head size dim/n_heads = " + std::to_string(h.dim / h.n_heads) + " is odd; RoPE needs it even");
  return h;
}

// Lays tensors out in file order; every size is < 2^62 thanks to the caps above.
class Layout {
 public:
  Layout(Checkpoint& ck, const MappedFile& f, size_t offset) : ck_(ck), f_(f), offset_(offset) {}

  // Claims the next `shape` f32 tensor in the file under `name`.
  TensorInfo& take(const std::string& name, std::vector<int64_t> shape) {
    TensorInfo t;
    t.name = name;
    t.dtype = DType::F32;
    t.shape = std::move(shape);
    t.nbytes = static_cast<size_t>(t.numel()) * 4;
    check_fits(name, t.nbytes);
    t.data = f_.data() + offset_;
    t.file = f_.path();
    t.file_offset = offset_;
    offset_ += t.nbytes;
    return ck_.tensors[name] = std::move(t);
  }
  // Steps over data smolc does not use (v0's precomputed RoPE tables).
  void skip(const std::string& what, size_t nbytes) {
    check_fits(what, nbytes);
    offset_ += nbytes;
  }
  size_t offset() const { return offset_; }

 private:
  void check_fits(const std::string& what, size_t nbytes) const {
    if (nbytes > f_.size() || offset_ > f_.size() - nbytes)
      throw InputError(f_.path(), "offset " + std::to_string(offset_),
                       "file is truncated: " + what + " needs " + std::to_string(nbytes) + " bytes, only " +
                           std::to_string(offset_ <= f_.size() ? f_.size() - offset_ : 0) + " remain");
  }
  Checkpoint& ck_;
  const MappedFile& f_;
  size_t offset_;
};

// llama2.c applies RoPE to interleaved pairs (x[2i], x[2i+1]) of each head,
// HF to the halves (x[i], x[i + hs/2]) with the same frequency theta^(-2i/hs).
// Renumbering the rows of wq/wk inside each head so that HF row i reads stored
// row 2i and HF row hs/2 + i reads stored row 2i + 1 turns one into the other:
// the HF pair (i, i + hs/2) then holds exactly llama2.c's pair (2i, 2i+1).
// Because q and k get the same renumbering, q.k (hence attention) is unchanged,
// and v/wo are untouched.
std::vector<int32_t> interleaved_to_halves(int64_t n_heads, int64_t head_size) {
  std::vector<int32_t> perm(static_cast<size_t>(n_heads * head_size));
  const int64_t half = head_size / 2;
  for (int64_t h = 0; h < n_heads; ++h)
    for (int64_t i = 0; i < half; ++i) {
      perm[static_cast<size_t>(h * head_size + i)] = static_cast<int32_t>(h * head_size + 2 * i);
      perm[static_cast<size_t>(h * head_size + half + i)] = static_cast<int32_t>(h * head_size + 2 * i + 1);
    }
  return perm;
}

std::string resolve_tokenizer(const std::string& file, const std::string& given, int64_t vocab) {
  namespace fs = std::filesystem;
  if (!given.empty()) return given;
  const fs::path dir = fs::path(file).parent_path();
  // tok<vocab>.bin first: its name says it matches this vocabulary, while a
  // tokenizer.bin in the same folder is usually Llama 2's 32000-token one.
  const fs::path candidates[] = {dir / ("tok" + std::to_string(vocab) + ".bin"), dir / "tokenizer.bin"};
  for (const fs::path& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return c.string();
  }
  throw InputError(file, "tokenizer",
                   "no tokenizer found: looked for " + candidates[0].string() + " and " + candidates[1].string() +
                       "; pass --tokenizer PATH");
}

}  // namespace

Checkpoint load_llama2c(const std::string& file, const std::string& tokenizer_path) {
  Checkpoint ck;
  ck.path = file;
  ck.name = std::filesystem::path(file).stem().string();
  ck.format = "llama2c";
  std::shared_ptr<MappedFile> f = MappedFile::open(file);
  ck.files.push_back(f);
  const Header h = parse_header(*f);

  ModelConfig& c = ck.cfg;
  c.model_type = "llama";
  c.dim = h.dim;
  c.hidden_dim = h.hidden_dim;
  c.n_layers = h.n_layers;
  c.n_heads = h.n_heads;
  c.n_kv_heads = h.n_kv_heads;
  c.head_dim = h.dim / h.n_heads;
  c.vocab_size = h.vocab;
  c.max_seq_len = h.seq_len;
  c.rms_eps = 1e-5;        // llama2.c's model.py default (run.c hard-codes it)
  c.rope_theta = 10000.0;  // likewise
  c.tie_embeddings = h.shared_classifier;
  c.bos_id = 1;
  c.eos_id = 2;
  validate_config(c, file);

  const int64_t dim = c.dim, hs = c.head_dim, q_dim = c.q_dim(), kv_dim = c.kv_dim(), L = c.n_layers;
  const std::vector<int32_t> q_perm = interleaved_to_halves(c.n_heads, hs);
  const std::vector<int32_t> k_perm = interleaved_to_halves(c.n_kv_heads, hs);

  Layout lay(ck, *f, h.weights_offset);
  auto per_layer = [&](const char* suffix, std::vector<int64_t> shape) {
    for (int l = 0; l < L; ++l) lay.take(hf_layer_tensor(l, suffix), shape);
  };
  auto qk_layers = [&](const char* suffix, int64_t rows, const std::vector<int32_t>& perm) {
    for (int l = 0; l < L; ++l) lay.take(hf_layer_tensor(l, suffix), {rows, dim}).row_perm = perm;
  };
  // The per-layer blocks, each kind of weight for all layers in turn (the two
  // formats differ only in where the norms go).
  auto attention_and_ffn = [&](bool with_norms) {
    if (with_norms) per_layer("input_layernorm.weight", {dim});
    qk_layers("self_attn.q_proj.weight", q_dim, q_perm);
    qk_layers("self_attn.k_proj.weight", kv_dim, k_perm);
    per_layer("self_attn.v_proj.weight", {kv_dim, dim});
    per_layer("self_attn.o_proj.weight", {dim, q_dim});
    if (with_norms) per_layer("post_attention_layernorm.weight", {dim});
    per_layer("mlp.gate_proj.weight", {c.hidden_dim, dim});
    per_layer("mlp.down_proj.weight", {dim, c.hidden_dim});
    per_layer("mlp.up_proj.weight", {c.hidden_dim, dim});
  };

  if (h.version == 0) {
    // v0: embedding, then each kind of weight for all layers in turn, final
    // norm, the RoPE cos/sin tables [seq_len, hs/2] twice, optional classifier.
    lay.take("model.embed_tokens.weight", {c.vocab_size, dim});
    attention_and_ffn(true);
    lay.take("model.norm.weight", {dim});
    lay.skip("freq_cis_real", static_cast<size_t>(c.max_seq_len * (hs / 2)) * 4);
    lay.skip("freq_cis_imag", static_cast<size_t>(c.max_seq_len * (hs / 2)) * 4);
  } else {
    // v1: all norms first, then the embedding, then the matrices by kind.
    per_layer("input_layernorm.weight", {dim});
    per_layer("post_attention_layernorm.weight", {dim});
    lay.take("model.norm.weight", {dim});
    lay.take("model.embed_tokens.weight", {c.vocab_size, dim});
    attention_and_ffn(false);
  }
  if (!c.tie_embeddings) lay.take("lm_head.weight", {c.vocab_size, dim});
  if (lay.offset() != f->size())
    throw InputError(file, "offset " + std::to_string(lay.offset()),
                     std::to_string(f->size() - lay.offset()) +
                         " unexpected trailing bytes after the last tensor; the header does not describe this file");
  validate_tensors(ck);

  ck.tokenizer = load_llama2c_tokenizer(resolve_tokenizer(file, tokenizer_path, c.vocab_size), c.vocab_size);
  return ck;
}

}  // namespace smolc
