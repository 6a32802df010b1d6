// quant::materialize_quant: GGUF Q8_0 / Q4_0 blocks reused bit for bit for q8 /
// q4 (through row permutations, concatenation and row interleaving), and
// everything else quantised from f32; bad blocks and bad types refused.
// Files come from `smolc convert --to gguf` of a tiny synthetic model.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "cli/gguf_bytes.h"
#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "ir/graph.h"
#include "passes/passes.h"
#include "quantize/materialize_quant.h"
#include "reference/golden.h"
#include "support/test_support.h"

using namespace smolc;
using namespace smolc::quant;
using namespace smolc::test;

namespace {

// The tiny synthetic model and its GGUF conversions, made once.
struct Files {
  std::string dir, hf, q8_0, q4_0, f32;
  Files() {
    dir = temp_dir("quant_materialize");
    hf = make_tiny_synth("quant_materialize_hf");
    q8_0 = dir + "/tiny-q8_0.gguf";
    q4_0 = dir + "/tiny-q4_0.gguf";
    f32 = dir + "/tiny-f32.gguf";
    for (auto [file, type] : {std::pair{q8_0, "q8_0"}, {q4_0, "q4_0"}, {f32, "f32"}}) {
      const RunResult r = run_smolc("convert '" + hf + "' --to gguf --type " + type + " -o '" + file + "'");
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
    }
  }
};
const Files& files() {
  static Files f;
  return f;
}

std::string layer0(const char* suffix) { return hf_layer_tensor(0, suffix); }

// The fused recipes the compiler builds (passes/): q|k|v concatenated (q and
// k carry GGUF's RoPE row permutation), gate/up interleaved in blocks, a
// single matrix, the tied embedding.
std::vector<ir::WeightRecipe> recipes(const ModelConfig& c) {
  ir::WeightRecipe qkv{{layer0("self_attn.q_proj.weight"), layer0("self_attn.k_proj.weight"),
                        layer0("self_attn.v_proj.weight")},
                       {}, 0, c.q_dim() + 2 * c.kv_dim(), c.dim};
  ir::WeightRecipe gate_up{{layer0("mlp.gate_proj.weight"), layer0("mlp.up_proj.weight")}, {}, 16,
                           2 * c.hidden_dim, c.dim};
  ir::WeightRecipe down{{layer0("mlp.down_proj.weight")}, {}, 0, c.dim, c.hidden_dim};
  ir::WeightRecipe head{{ir::kEmbed}, {}, 0, c.vocab_size, c.dim};
  return {qkv, gate_up, down, head};
}

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// The bytes of logical row `r` of tensor `t` as stored in its file.
std::string stored_row(const std::string& file, const TensorInfo& t, int64_t r, size_t row_bytes) {
  const int64_t s = t.row_perm.empty() ? r : t.row_perm[static_cast<size_t>(r)];
  return file_bytes(file).substr(static_cast<size_t>(t.file_offset) + static_cast<size_t>(s) * row_bytes, row_bytes);
}

// Copies `src` to `dst` with `bytes` written at `offset`.
void patched_copy(const std::string& src, const std::string& dst, uint64_t offset, const void* bytes, size_t n) {
  std::string b = file_bytes(src);
  REQUIRE(offset + n <= b.size());
  std::memcpy(b.data() + offset, bytes, n);
  std::ofstream(dst, std::ios::binary | std::ios::trunc).write(b.data(), static_cast<std::streamsize>(b.size()));
}

}  // namespace

TEST_CASE("GGUF Q8_0 and Q4_0 blocks are reused byte for byte for q8 and q4") {
  for (auto [file, fmt] : {std::pair{files().q8_0, Format::Q8}, {files().q4_0, Format::Q4}}) {
    const Checkpoint ck = load_checkpoint(file);
    for (const ir::WeightRecipe& w : recipes(ck.cfg)) {
      INFO(file << " " << w.parts[0] << " (" << w.parts.size() << " parts)");
      REQUIRE(reuses_gguf_blocks(ck, w, fmt));
      const QuantMatrix m = materialize_quant(ck, w, fmt);
      REQUIRE(m.rows == w.rows);
      REQUIRE(m.cols == w.cols);
      // Same numbers as the frontend's dequantisation of the file, in the recipe's row order.
      const bool same_values = dequantize(m) == ir::materialize(ck, w);
      CHECK(same_values);
      // And the very bytes of the file: spot-check rows of every part.
      const size_t row_bytes = static_cast<size_t>(m.blocks_per_row * block_bytes(fmt));
      int64_t fused = 0;
      const std::string bytes = file_bytes(file);
      auto row_of = [&](int64_t r) {
        return std::string(reinterpret_cast<const char*>(m.data.data()) + static_cast<size_t>(r) * row_bytes, row_bytes);
      };
      if (w.interleave_block == 0) {
        for (const std::string& part : w.parts) {
          const TensorInfo& t = ck.get(part);
          for (int64_t r : {int64_t{0}, int64_t{1}, t.rows() / 2 + 1, t.rows() - 1})
            CHECK(row_of(fused + r) == stored_row(file, t, r, row_bytes));
          fused += t.rows();
        }
      } else {
        // Blocks of 16 rows: gate rows 0..15, up rows 0..15, gate rows 16..31, ...
        const TensorInfo& gate = ck.get(w.parts[0]);
        const TensorInfo& up = ck.get(w.parts[1]);
        CHECK(row_of(0) == stored_row(file, gate, 0, row_bytes));
        CHECK(row_of(16) == stored_row(file, up, 0, row_bytes));
        CHECK(row_of(33) == stored_row(file, gate, 17, row_bytes));
        CHECK(row_of(w.rows - 1) == stored_row(file, up, up.rows() - 1, row_bytes));
      }
      // Reuse, not re-quantisation: smolc's own rule on the original weights gives other blocks.
      const Checkpoint hf = load_checkpoint(files().hf);
      const std::vector<float> orig = ir::materialize(hf, w);
      const bool requantised_differs = quantize_matrix(fmt, orig.data(), w.rows, w.cols, "t").data != m.data;
      CHECK(requantised_differs);
    }
  }
}

TEST_CASE("recipes with folded gains, other formats and other block types are quantised from f32") {
  const Checkpoint q8 = load_checkpoint(files().q8_0);
  const ModelConfig& c = q8.cfg;
  ir::WeightRecipe folded = recipes(c)[0];
  folded.col_gains = {layer0("input_layernorm.weight")};
  const ir::WeightRecipe gate_up = recipes(c)[1];
  const Checkpoint f32 = load_checkpoint(files().f32);
  struct Case {
    const Checkpoint* ck;
    ir::WeightRecipe w;
    Format f;
  };
  for (const Case& k : {Case{&q8, folded, Format::Q8}, Case{&q8, gate_up, Format::Q4}, Case{&q8, gate_up, Format::Q16},
                        Case{&f32, gate_up, Format::Q8}}) {
    INFO(k.ck->path << " " << format_name(k.f) << " gains " << k.w.col_gains.size());
    CHECK_FALSE(reuses_gguf_blocks(*k.ck, k.w, k.f));
    const std::vector<float> W = ir::materialize(*k.ck, k.w);
    const QuantMatrix want = quantize_matrix(k.f, W.data(), k.w.rows, k.w.cols, "t");
    const QuantMatrix got = materialize_quant(*k.ck, k.w, k.f);
    CHECK(got.fmt == k.f);
    const bool same_blocks = got.data == want.data;
    CHECK(same_blocks);
  }
}

TEST_CASE("a reused block with a NaN or Inf scale is refused, or zeroed with allow_nonfinite") {
  const Checkpoint good = load_checkpoint(files().q8_0);
  const std::string v = layer0("self_attn.v_proj.weight");
  const TensorInfo& t = good.get(v);
  const ir::WeightRecipe w{{v}, {}, 0, t.rows(), t.row_len()};
  const size_t row_bytes = static_cast<size_t>(t.row_len() / 32 * 34);
  REQUIRE(t.row_perm.empty());
  for (uint16_t scale : {uint16_t{0x7e00}, uint16_t{0x7c00}}) {  // f16 NaN, +Inf
    const std::string bad = files().dir + "/bad-scale.gguf";
    patched_copy(files().q8_0, bad, t.file_offset + 3 * row_bytes + 34, &scale, 2);  // row 3, block 1
    const Checkpoint ck = load_checkpoint(bad);
    try {
      materialize_quant(ck, w, Format::Q8);
      FAIL("expected an InputError");
    } catch (const InputError& e) {
      const std::string msg = e.what();
      CHECK(msg.find(bad) != std::string::npos);
      CHECK(msg.find(v + ": row 3, block 1") != std::string::npos);
      CHECK(msg.find(scale == 0x7e00 ? "NaN block scale" : "Inf block scale") != std::string::npos);
      CHECK(msg.find("--allow-nonfinite") != std::string::npos);
    }
    QuantOptions opt;
    opt.allow_nonfinite = true;
    const QuantMatrix m = materialize_quant(ck, w, Format::Q8, opt);
    const QuantMatrix ok = materialize_quant(good, w, Format::Q8);
    for (int64_t r = 0; r < m.rows; ++r)
      for (int64_t b = 0; b < m.blocks_per_row; ++b) {
        const std::vector<uint8_t> got(m.block(r, b), m.block(r, b) + 34);
        if (r == 3 && b == 1) CHECK(got == std::vector<uint8_t>(34, 0));
        else CHECK(got == std::vector<uint8_t>(ok.block(r, b), ok.block(r, b) + 34));
      }
  }
}

TEST_CASE("NaN in f32 weights or gains is refused naming the part tensor, flat index, row and column") {
  const Checkpoint good = load_checkpoint(files().f32);
  const ModelConfig& c = good.cfg;
  const std::string vname = layer0("self_attn.v_proj.weight");
  const TensorInfo& vt = good.get(vname);
  REQUIRE(vt.dtype == DType::F32);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::string bad = files().dir + "/bad-f32.gguf";
  patched_copy(files().f32, bad, vt.file_offset + (5 * static_cast<uint64_t>(c.dim) + 7) * 4, &nan, 4);
  const Checkpoint ck = load_checkpoint(bad);
  const ir::WeightRecipe qkv = recipes(c)[0];  // v's rows come after q's and k's
  try {
    materialize_quant(ck, qkv, Format::Q8);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    CHECK(msg.find(bad) != std::string::npos);
    CHECK(msg.find(vname + "[" + std::to_string(5 * c.dim + 7) + "] (row 5, column 7): NaN") != std::string::npos);
    CHECK(msg.find("--allow-nonfinite") != std::string::npos);
  }
  QuantOptions opt;
  opt.allow_nonfinite = true;
  const std::vector<float> d = dequantize(materialize_quant(ck, qkv, Format::Q8, opt));
  CHECK(d[static_cast<size_t>((c.q_dim() + c.kv_dim() + 5) * c.dim + 7)] == 0.0f);
}

TEST_CASE("a GGUF tensor type smolc cannot decode is refused before any quantisation") {
  // Q4_1 (type 3) is a real llama.cpp type that neither the frontend nor the
  // q4 format (symmetric, no minimum) can take.
  GgufBytes g = GgufBytes::valid();
  g.tensor("blk.0.ffn_gate.weight")->type = 3;
  const std::string file = files().dir + "/q4_1.gguf";
  g.write(file);
  const RunResult r = run_smolc("quant-eval '" + file + "' --prompt-tokens 4");
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("smolc: error: " + file + ": ", 0) == 0);
  CHECK(r.err.find("blk.0.ffn_gate.weight") != std::string::npos);
  CHECK(r.err.find("tensor type 3 (Q4_1) is not supported") != std::string::npos);
}

TEST_CASE("gain importance is the squared RMSNorm gain and steers the fallback quantiser") {
  const Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
  const std::string gain = layer0("input_layernorm.weight");
  const std::vector<float> g = ck.load_f32(gain), h = gain_importance(ck, gain);
  REQUIRE(h.size() == g.size());
  for (size_t k = 0; k < g.size(); ++k) CHECK(h[k] == g[k] * g[k]);
  const ModelConfig& c = ck.cfg;
  const ir::WeightRecipe qkv{{layer0("self_attn.q_proj.weight"), layer0("self_attn.k_proj.weight"),
                              layer0("self_attn.v_proj.weight")},
                             {}, 0, c.q_dim() + 2 * c.kv_dim(), c.dim};
  QuantOptions opt;
  opt.col_importance = h;
  const std::vector<float> W = ir::materialize(ck, qkv);
  const bool same = materialize_quant(ck, qkv, Format::Q4, opt).data ==
                    quantize_matrix(Format::Q4, W.data(), qkv.rows, qkv.cols, "t", opt).data;
  CHECK(same);
  // The gains of a trained model are not all 1, so the weighting changes blocks.
  const bool differs = materialize_quant(ck, qkv, Format::Q4, opt).data != materialize_quant(ck, qkv, Format::Q4).data;
  CHECK(differs);
}

TEST_CASE("each packed weight is weighed by the gain of the norm it reads, fused or not") {
  const Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
  const ir::Graph plain = ir::build_llama_graph(ck.cfg);
  const ir::Graph fused = passes::run_all(plain, 16, /*fold_gains=*/false);
  for (const ir::Graph* g : {&plain, &fused}) {
    int weighed = 0;
    for (size_t i = 0; i < g->ops.size(); ++i) {
      const ir::Op& op = g->ops[i];
      if (op.kind != ir::OpKind::MatMul && op.kind != ir::OpKind::LmHead) continue;
      INFO(op.name);
      const std::string gain = reading_norm_gain(*g, static_cast<int>(i));
      // Which norm feeds which projection, by the LLaMA block's structure (HF names).
      const std::string part = op.weight.parts.at(0);
      const std::string L = "model.layers." + std::to_string(op.layer) + ".";
      if (part.find("q_proj") != std::string::npos || part.find("k_proj") != std::string::npos ||
          part.find("v_proj") != std::string::npos)
        CHECK(gain == L + "input_layernorm.weight");
      else if (part.find("gate_proj") != std::string::npos || part.find("up_proj") != std::string::npos)
        CHECK(gain == L + "post_attention_layernorm.weight");
      else if (op.kind == ir::OpKind::LmHead)
        CHECK(gain == ir::kFinalNorm);
      else
        CHECK(gain.empty());  // o_proj, down_proj
      const QuantOptions o = options_for_op(ck, *g, static_cast<int>(i), {});
      CHECK(o.col_importance == (gain.empty() ? std::vector<float>{} : gain_importance(ck, gain)));
      weighed += !gain.empty();
    }
    // Unfused: q, k, v, gate, up per layer and the head; fused: qkv, gate/up per layer and the head.
    CHECK(weighed == (g == &plain ? 5 : 2) * ck.cfg.n_layers + 1);
  }
}
