// Checks a loaded checkpoint's tensors against what its config implies, for
// every importer: all present, right shapes, sizes consistent with dtypes,
// nothing left over.
#include <map>
#include <string>
#include <vector>

#include "frontend/checkpoint.h"
#include "frontend/dequant.h"
#include "frontend/error.h"

namespace smolc {

namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

// Buffers written by older transformers versions; recomputed from the
// config, so they are tolerated and ignored.
bool is_ignorable(const std::string& name) {
  const std::string suffix = ".rotary_emb.inv_freq";
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void validate_tensors(const Checkpoint& ck) {
  const ModelConfig& c = ck.cfg;
  std::vector<std::pair<std::string, std::vector<int64_t>>> expected;
  expected.push_back({"model.embed_tokens.weight", {c.vocab_size, c.dim}});
  for (int l = 0; l < c.n_layers; ++l) {
    expected.push_back({hf_layer_tensor(l, "input_layernorm.weight"), {c.dim}});
    expected.push_back({hf_layer_tensor(l, "self_attn.q_proj.weight"), {c.q_dim(), c.dim}});
    expected.push_back({hf_layer_tensor(l, "self_attn.k_proj.weight"), {c.kv_dim(), c.dim}});
    expected.push_back({hf_layer_tensor(l, "self_attn.v_proj.weight"), {c.kv_dim(), c.dim}});
    expected.push_back({hf_layer_tensor(l, "self_attn.o_proj.weight"), {c.dim, c.q_dim()}});
    expected.push_back({hf_layer_tensor(l, "post_attention_layernorm.weight"), {c.dim}});
    expected.push_back({hf_layer_tensor(l, "mlp.gate_proj.weight"), {c.hidden_dim, c.dim}});
    expected.push_back({hf_layer_tensor(l, "mlp.up_proj.weight"), {c.hidden_dim, c.dim}});
    expected.push_back({hf_layer_tensor(l, "mlp.down_proj.weight"), {c.dim, c.hidden_dim}});
  }
  expected.push_back({"model.norm.weight", {c.dim}});
  if (!c.tie_embeddings) expected.push_back({"lm_head.weight", {c.vocab_size, c.dim}});

  std::map<std::string, const std::vector<int64_t>*> want;
  for (const auto& [name, shape] : expected) {
    want[name] = &shape;
    auto it = ck.tensors.find(name);
    if (it == ck.tensors.end()) throw InputError(ck.path, name, "tensor is missing");
    const TensorInfo& t = it->second;
    if (t.shape != shape)
      throw InputError(t.file, name, "shape " + shape_str(t.shape) + ", expected " + shape_str(shape));
    const size_t row_bytes = dtype_row_bytes(t.dtype, t.row_len());
    if (row_bytes == 0 || t.nbytes / row_bytes != static_cast<size_t>(t.rows()) || t.nbytes % row_bytes != 0)
      throw InputError(
          t.file, name,
          std::to_string(t.nbytes) + " bytes do not hold shape " + shape_str(t.shape) + " in " + dtype_name(t.dtype));
    if (!t.row_perm.empty()) {
      if (static_cast<int64_t>(t.row_perm.size()) != t.rows())
        throw InputError(
            t.file, name,
            "row permutation has " + std::to_string(t.row_perm.size()) + " rows, expected " + std::to_string(t.rows()));
      for (int32_t r : t.row_perm)
        if (r < 0 || r >= t.rows())
          throw InputError(t.file, name, "row permutation entry " + std::to_string(r) + " is out of range");
    }
  }
  for (const auto& [name, t] : ck.tensors) {
    if (want.count(name) || is_ignorable(name)) continue;
    std::string why = "unexpected tensor (config: " + std::to_string(c.n_layers) + " layers";
    if (name == "lm_head.weight") why += ", tie_word_embeddings true";
    throw InputError(t.file, name, why + ")");
  }
}

}  // namespace smolc
