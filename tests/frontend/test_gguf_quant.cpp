// GGUF block formats: decoders on hand-built blocks whose values follow from
// the block definitions (ggml's docs and block structs), decoders against
// llama.cpp on probe files (tools/golden/gguf_quant_probes.sh), and the
// Q8_0/Q4_0 quantisers of `smolc convert` against the definitions.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "frontend/checkpoint.h"
#include "frontend/dequant.h"
#include "frontend/npy_file.h"
#include "reference/reference_engine.h"
#include "support/test_support.h"

using namespace smolc;

namespace {

void put_f16(std::vector<uint8_t>& b, size_t at, uint16_t h) { std::memcpy(b.data() + at, &h, 2); }

std::vector<float> decode(DType t, const std::vector<uint8_t>& b, int64_t n) {
  REQUIRE(dtype_row_bytes(t, n) == b.size());
  std::vector<float> y(static_cast<size_t>(n));
  dequantize_row(t, b.data(), y.data(), n);
  return y;
}

}  // namespace

TEST_CASE("Q8_0 block: x = d * int8") {
  std::vector<uint8_t> b(34);
  put_f16(b, 0, 0x3800);  // d = 0.5
  for (int j = 0; j < 32; ++j) b[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(j * 8 - 127));
  const std::vector<float> y = decode(DType::Q8_0, b, 32);
  for (int j = 0; j < 32; ++j) CHECK(y[j] == 0.5f * static_cast<float>(j * 8 - 127));
}

TEST_CASE("Q4_0 block: low nibbles are x[0..16), high nibbles x[16..32), offset 8") {
  std::vector<uint8_t> b(18);
  put_f16(b, 0, 0xb400);  // d = -0.25
  for (int j = 0; j < 16; ++j) b[2 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const std::vector<float> y = decode(DType::Q4_0, b, 32);
  for (int j = 0; j < 16; ++j) {
    CHECK(y[j] == -0.25f * static_cast<float>(j - 8));
    CHECK(y[16 + j] == -0.25f * static_cast<float>(7 - j));
  }
}

TEST_CASE("Q5_0 block: 5-bit values, bit 4 of value k is bit k of qh, offset 16") {
  // Encode 32 chosen 5-bit values per the block definition, then decode.
  int v[32];
  for (int k = 0; k < 32; ++k) v[k] = (k * 7 + 3) % 32;
  std::vector<uint8_t> b(22, 0);
  put_f16(b, 0, 0x4000);  // d = 2
  uint32_t qh = 0;
  for (int k = 0; k < 32; ++k) qh |= static_cast<uint32_t>(v[k] >> 4) << k;
  std::memcpy(b.data() + 2, &qh, 4);
  for (int j = 0; j < 16; ++j) b[6 + j] = static_cast<uint8_t>((v[j] & 15) | ((v[16 + j] & 15) << 4));
  const std::vector<float> y = decode(DType::Q5_0, b, 32);
  for (int k = 0; k < 32; ++k) CHECK(y[k] == 2.0f * static_cast<float>(v[k] - 16));
}

TEST_CASE("Q4_K super-block: 8 sub-blocks of 32, 6-bit scales and mins, x = d*sc*q - dmin*m") {
  int sc[8], mn[8], q[256];
  for (int s = 0; s < 8; ++s) sc[s] = (s * 23 + 5) % 64, mn[s] = (s * 41 + 60) % 64;
  for (int k = 0; k < 256; ++k) q[k] = (k * 5 + k / 32) % 16;
  std::vector<uint8_t> b(144, 0);
  put_f16(b, 0, 0x3c00);  // d = 1
  put_f16(b, 2, 0x3800);  // dmin = 0.5
  uint8_t* scales = b.data() + 4;
  // 12 scale bytes: 0-3 sc[0..3] | top bits of sc[4..7]; 4-7 mn[0..3] | top bits of mn[4..7];
  // 8-11 low nibble sc[4..7] & 15, high nibble mn[4..7] & 15.
  for (int s = 0; s < 4; ++s) {
    scales[s] = static_cast<uint8_t>(sc[s] | ((sc[s + 4] >> 4) << 6));
    scales[s + 4] = static_cast<uint8_t>(mn[s] | ((mn[s + 4] >> 4) << 6));
    scales[s + 8] = static_cast<uint8_t>((sc[s + 4] & 15) | ((mn[s + 4] & 15) << 4));
  }
  // 128 quant bytes: 32-byte group g holds sub-block 2g in its low nibbles, 2g+1 in its high ones.
  for (int g = 0; g < 4; ++g)
    for (int l = 0; l < 32; ++l)
      b[16 + 32 * g + l] = static_cast<uint8_t>(q[64 * g + l] | (q[64 * g + 32 + l] << 4));
  const std::vector<float> y = decode(DType::Q4_K, b, 256);
  for (int k = 0; k < 256; ++k) {
    const int s = k / 32;
    INFO("element " << k);
    CHECK(y[k] == 1.0f * static_cast<float>(sc[s]) * static_cast<float>(q[k]) - 0.5f * static_cast<float>(mn[s]));
  }
}

TEST_CASE("Q6_K super-block: 16 sub-blocks of 16, int8 scales, 6-bit q - 32") {
  int sc[16], q[256];
  for (int s = 0; s < 16; ++s) sc[s] = (s * 37) % 256 - 128;
  for (int k = 0; k < 256; ++k) q[k] = (k * 11 + k / 64) % 64;
  std::vector<uint8_t> b(210, 0);
  // Each half of 128 values: value 32c + l (c = 0..3, l < 32) has its low 4 bits
  // in ql[64h + l + 32*(c&1)] (low nibble for c < 2, high for c >= 2) and its
  // top 2 bits in bits 2c..2c+1 of qh[32h + l].
  for (int h = 0; h < 2; ++h)
    for (int c = 0; c < 4; ++c)
      for (int l = 0; l < 32; ++l) {
        const int v = q[128 * h + 32 * c + l];
        b[64 * h + l + 32 * (c & 1)] |= static_cast<uint8_t>((v & 15) << (c >= 2 ? 4 : 0));
        b[128 + 32 * h + l] |= static_cast<uint8_t>((v >> 4) << (2 * c));
      }
  for (int s = 0; s < 16; ++s) b[192 + s] = static_cast<uint8_t>(static_cast<int8_t>(sc[s]));
  put_f16(b, 208, 0x3400);  // d = 0.25
  const std::vector<float> y = decode(DType::Q6_K, b, 256);
  for (int k = 0; k < 256; ++k) {
    INFO("element " << k);
    CHECK(y[k] == 0.25f * static_cast<float>(sc[k / 16]) * static_cast<float>(q[k] - 32));
  }
}

TEST_CASE("GGUF block decoders agree with llama.cpp on probe files") {
  // Probe files: token_embd in the block type, the rest F32 (see
  // tools/golden/gguf_quant_probes.sh); llama.cpp's logits are the truth.
  const std::vector<int32_t> tokens = {0, 5, 31, 7, 7, 12};
  for (auto [name, type] : {std::pair{"q4_0", DType::Q4_0}, {"q5_0", DType::Q5_0}, {"q8_0", DType::Q8_0},
                            {"q4_k", DType::Q4_K}, {"q6_k", DType::Q6_K}}) {
    INFO(name);
    const std::string dir = test::source_dir() + "/tests/data/gguf/";
    const Checkpoint ck = load_gguf(dir + "probe_" + name + ".gguf");
    REQUIRE(ck.get("model.embed_tokens.weight").dtype == type);
    const test::NpyF32 golden = test::read_npy_f32(dir + "probe_" + name + "_llama_cpp.npy");
    REQUIRE(golden.shape == std::vector<int64_t>{6, 32});
    ReferenceEngine eng(ck.cfg, RefWeights::from_checkpoint(ck), 8);
    const std::vector<float> logits = eng.prefill(tokens.data(), 6);
    float worst = 0, scale = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
      worst = std::max(worst, std::fabs(logits[i] - golden.data[i]));
      scale = std::max(scale, std::fabs(golden.data[i]));
    }
    INFO("max |diff| " << worst << " (logits up to " << scale << ")");
    CHECK(scale > 0.1f);
    // Summation order only (measured <= 1e-6); a wrong bit in a decoder moves logits by > 1e-2.
    CHECK(worst < 1e-5f);
  }
}

TEST_CASE("convert --type q8_0 / q4_0 quantise matrices per the block definitions, norms stay F32") {
  const std::string dir = test::temp_dir("gguf_quant_convert");
  REQUIRE(test::run_smolc("synth --preset tiny --seed 7 -o '" + dir + "/tiny'").exit_code == 0);
  const Checkpoint src = load_checkpoint(dir + "/tiny");
  for (auto [name, type] : {std::pair{"q8_0", DType::Q8_0}, {"q4_0", DType::Q4_0}}) {
    INFO(name);
    const std::string file = dir + "/tiny-" + name + ".gguf";
    REQUIRE(test::run_smolc("convert '" + dir + "/tiny' --to gguf --type " + name + " -o '" + file + "'").exit_code == 0);
    const Checkpoint gg = load_gguf(file);
    for (const auto& [tname, t] : gg.tensors) {
      INFO(tname);
      CHECK(t.dtype == (t.shape.size() == 2 ? type : DType::F32));
    }
    // Raw blocks of an unpermuted matrix, checked against the definition:
    // Q8_0: d = f16(max|x| / 127), q = round(x / d);
    // Q4_0: d = f16(m / -8) for the x of largest |x|, nibble = min(15, floor(x / d + 8.5)).
    for (const char* tname : {"model.layers.0.mlp.down_proj.weight", "model.embed_tokens.weight"}) {
      INFO(tname);
      const std::vector<float> x = src.load_f32(tname);
      const TensorInfo& t = gg.get(tname);
      REQUIRE(t.row_perm.empty());
      const size_t bb = type == DType::Q8_0 ? 34 : 18;
      REQUIRE(t.nbytes == x.size() / 32 * bb);
      size_t bad = 0;
      for (size_t blk = 0; blk < x.size() / 32; ++blk) {
        const float* xb = x.data() + 32 * blk;
        const uint8_t* b = t.data + bb * blk;
        uint16_t dh;
        std::memcpy(&dh, b, 2);
        float m = 0;
        for (int j = 0; j < 32; ++j)
          if (std::fabs(xb[j]) > std::fabs(m)) m = xb[j];
        const float d = type == DType::Q8_0 ? std::fabs(m) / 127.0f : m / -8.0f;
        if (dh != f32_to_f16(d)) ++bad;
        for (int j = 0; j < 32; ++j) {
          // Exact .5 ties may round either way since ggml multiplies by 1/d.
          if (type == DType::Q8_0) {
            const double want = static_cast<double>(xb[j]) / static_cast<double>(d);
            const int got = static_cast<int8_t>(b[2 + j]);
            if (std::fabs(got - want) > 0.5 + 1e-5) ++bad;
          } else {
            const double want = std::min(15.0, std::floor(static_cast<double>(xb[j]) / d + 8.5));
            const int got = j < 16 ? (b[2 + j] & 15) : (b[2 + j - 16] >> 4);
            if (std::fabs(got - want) > 1e-9 && std::fabs(static_cast<double>(xb[j]) / d + 8.5 - std::round(static_cast<double>(xb[j]) / d + 8.5)) > 1e-5) ++bad;
          }
        }
      }
      CHECK(bad == 0);
    }
    // Q/K go through the row permutation: each dequantised value is within
    // the block's quantisation step of the source.
    const std::string q = "model.layers.1.self_attn.q_proj.weight";
    const std::vector<float> a = src.load_f32(q), b = gg.load_f32(q);
    REQUIRE(a.size() == b.size());
    size_t far = 0;
    for (size_t blk = 0; blk < a.size() / 32; ++blk) {
      float amax = 0;
      for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(a[32 * blk + j]));
      const float step = type == DType::Q8_0 ? amax / 127.0f : amax / 8.0f;
      for (int j = 0; j < 32; ++j)
        if (std::fabs(a[32 * blk + j] - b[32 * blk + j]) > step * 1.01f + 1e-7f) ++far;
    }
    CHECK(far == 0);
  }
}
