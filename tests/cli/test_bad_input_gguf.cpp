// Hostile or broken GGUF files: every one ends in exit code 2 and a single
// line naming the file and the offset or field, never a crash or a huge
// allocation (the ASan+UBSan pass runs these too).
#include <catch2/catch.hpp>
#include <string>

#include "cli/gguf_bytes.h"
#include "support/test_support.h"

using smolc::test::GgufBytes;

namespace {

std::string dir() {
  static const std::string d = smolc::test::temp_dir("bad_input_gguf");
  return d;
}

// Runs `smolc inspect FILE`; requires exit 2 and one error line naming the
// file and containing every string in `expect`.
void expect_rejected(const std::string& file, std::initializer_list<std::string> expect) {
  const auto r = smolc::test::run_smolc("inspect '" + file + "'");
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("smolc: error: " + file + ": ", 0) == 0);
  CHECK(r.err.find('\n') == r.err.size() - 1);
  for (const auto& s : expect) CHECK(r.err.find(s) != std::string::npos);
}

std::string save(const std::string& name, const std::string& bytes) {
  const std::string path = dir() + "/" + name;
  GgufBytes::write_bytes(path, bytes);
  return path;
}

}  // namespace

TEST_CASE("bad GGUF: the valid probe itself loads (control)") {
  const std::string f = save("valid.gguf", GgufBytes::valid().bytes());
  const auto r = smolc::test::run_smolc("inspect '" + f + "'");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("gguf") != std::string::npos);
}

TEST_CASE("bad GGUF: truncated files") {
  const std::string good = GgufBytes::valid().bytes();
  expect_rejected(save("trunc2.gguf", good.substr(0, 2)), {"offset 0", "file ends inside the GGUF magic"});
  expect_rejected(save("trunc20.gguf", good.substr(0, 20)), {"offset 16", "metadata count"});
  expect_rejected(save("trunc_count.gguf", good.substr(0, 100)), {"offset 16", "metadata count 13 cannot fit"});
  expect_rejected(save("trunc_kv.gguf", good.substr(0, 400)), {"offset ", "file ends inside"});
  // Cut inside the tensor data: the last tensor runs past the end.
  expect_rejected(save("trunc_data.gguf", good.substr(0, good.size() - 64)),
                  {"output_norm.weight", "runs past the end of the file"});
}

TEST_CASE("bad GGUF: bad magic, unsupported and big-endian versions") {
  std::string b = GgufBytes::valid().bytes();
  b[3] = 'X';
  expect_rejected(save("magic.gguf", b), {"offset 0", "bad magic \"GGUX\"", "expected \"GGUF\""});
  for (uint32_t v : {1u, 4u}) {
    GgufBytes g = GgufBytes::valid();
    g.version = v;
    expect_rejected(save("version" + std::to_string(v) + ".gguf", g.bytes()),
                    {"offset 4", "unsupported GGUF version " + std::to_string(v), "expected 2 or 3"});
  }
  GgufBytes g = GgufBytes::valid();
  g.version = 0x03000000;
  expect_rejected(save("bigendian.gguf", g.bytes()), {"offset 4", "big-endian"});
}

TEST_CASE("bad GGUF: GGUF v2 is read like v3") {
  GgufBytes g = GgufBytes::valid();
  g.version = 2;
  const auto r = smolc::test::run_smolc("inspect '" + save("v2.gguf", g.bytes()) + "'");
  INFO(r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("bad GGUF: a metadata string length past the end of the file") {
  GgufBytes g = GgufBytes::valid();
  g.find("general.name")->payload = GgufBytes::raw<uint64_t>(1ull << 40) + "bad-input-probe";
  expect_rejected(save("strlen.gguf", g.bytes()),
                  {"offset ", "metadata value \"general.name\" length 1099511627776 runs past the end of the file"});
  GgufBytes h = GgufBytes::valid();
  // An array claiming 2^61 strings: refused before anything is reserved.
  h.find("tokenizer.ggml.tokens")->payload = GgufBytes::raw<uint32_t>(8) + GgufBytes::raw<uint64_t>(1ull << 61);
  expect_rejected(save("arraylen.gguf", h.bytes()), {"tokenizer.ggml.tokens", "strings cannot fit"});
}

TEST_CASE("bad GGUF: absurd tensor count and dimensions are refused without allocating") {
  GgufBytes g = GgufBytes::valid();
  g.tensor_count_override = 1ull << 62;
  expect_rejected(save("count.gguf", g.bytes()), {"offset 8", "tensor count 4611686018427387904 cannot fit"});
  GgufBytes h = GgufBytes::valid();
  h.tensor("blk.0.ffn_up.weight")->ne = {1ull << 20, 1ull << 20, 1ull << 20};
  expect_rejected(save("dims.gguf", h.bytes()), {"blk.0.ffn_up.weight", "elements cannot be stored"});
  GgufBytes k = GgufBytes::valid();
  k.tensor("blk.0.ffn_up.weight")->ne = {32, 32, 1, 1, 1};
  expect_rejected(save("ndims.gguf", k.bytes()), {"blk.0.ffn_up.weight", "n_dims 5"});
}

TEST_CASE("bad GGUF: tensor data out of range, misaligned or overlapping") {
  GgufBytes g = GgufBytes::valid();
  g.tensor("blk.0.attn_v.weight")->offset = 1ull << 40;
  expect_rejected(save("range.gguf", g.bytes()), {"blk.0.attn_v.weight", "runs past the end of the file"});
  GgufBytes a = GgufBytes::valid();
  a.tensor("blk.0.attn_v.weight")->offset += 4;
  expect_rejected(save("align.gguf", a.bytes()), {"blk.0.attn_v.weight", "not a multiple of the alignment 32"});
  GgufBytes o = GgufBytes::valid();
  o.tensor("blk.0.attn_v.weight")->offset = o.tensor("blk.0.attn_k.weight")->offset + 32;
  expect_rejected(save("overlap.gguf", o.bytes()), {"blk.0.attn_v.weight", "overlaps tensor \"blk.0.attn_k.weight\""});
}

TEST_CASE("bad GGUF: unsupported tensor type names the tensor and the type number") {
  GgufBytes g = GgufBytes::valid();
  g.tensor("blk.0.ffn_gate.weight")->type = 3;  // Q4_1
  expect_rejected(save("type.gguf", g.bytes()), {"blk.0.ffn_gate.weight", "tensor type 3 (Q4_1) is not supported"});
  GgufBytes h = GgufBytes::valid();
  h.tensor("blk.0.ffn_gate.weight")->type = 12345;
  expect_rejected(save("type2.gguf", h.bytes()), {"blk.0.ffn_gate.weight", "tensor type 12345"});
}

TEST_CASE("bad GGUF: missing tensor, unknown tensor, wrong architecture, missing metadata") {
  GgufBytes g = GgufBytes::valid();
  g.tensors.erase(g.tensors.begin() + 5);  // blk.0.attn_v.weight
  g.layout();
  expect_rejected(save("missing.gguf", g.bytes()), {"model.layers.0.self_attn.v_proj.weight"});
  GgufBytes u = GgufBytes::valid();
  u.tensor("blk.0.ffn_up.weight")->name = "blk.0.ffn_up_exps.weight";
  expect_rejected(save("unknown.gguf", u.bytes()), {"blk.0.ffn_up_exps.weight", "is not a llama tensor"});
  GgufBytes a = GgufBytes::valid();
  a.find("general.architecture")->payload = GgufBytes::str("qwen2");
  expect_rejected(save("arch.gguf", a.bytes()), {"general.architecture", "\"qwen2\" is not supported (expected \"llama\")"});
  GgufBytes m = GgufBytes::valid();
  m.kv.erase(m.kv.begin() + 3);  // llama.embedding_length
  expect_rejected(save("nometa.gguf", m.bytes()), {"llama.embedding_length", "is missing"});
  GgufBytes t = GgufBytes::valid();
  t.find("llama.block_count")->type = 8;  // now a string of garbage length
  expect_rejected(save("kvtype.gguf", t.bytes()), {"offset "});
}

TEST_CASE("bad GGUF: inconsistent tokenizer metadata") {
  GgufBytes g = GgufBytes::valid();
  g.find("tokenizer.ggml.merges")->payload = GgufBytes::raw<uint32_t>(8) + GgufBytes::raw<uint64_t>(1) + GgufBytes::str("abc");
  expect_rejected(save("merge.gguf", g.bytes()), {"tokenizer.ggml.merges", "entry 0 \"abc\" is not \"LEFT RIGHT\""});
  GgufBytes b = GgufBytes::valid();
  b.u32("tokenizer.ggml.bos_token_id", 99);
  expect_rejected(save("bos.gguf", b.bytes()), {"tokenizer.ggml.bos_token_id", "99 is not a token id"});
  GgufBytes p = GgufBytes::valid();
  p.string("tokenizer.ggml.pre", "qwen2");
  expect_rejected(save("pre.gguf", p.bytes()), {"tokenizer.ggml.pre", "\"qwen2\" is not supported"});
}
