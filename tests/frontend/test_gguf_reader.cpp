// The GGUF container parser on hand-built files: every metadata value type,
// numeric and string arrays, alignment, v2 and v3.
#include <catch2/catch.hpp>

#include "cli/gguf_bytes.h"
#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "frontend/gguf/gguf_reader.h"
#include "support/test_support.h"

using smolc::test::GgufBytes;
namespace gguf = smolc::gguf;

namespace {
std::string write(const std::string& name, const GgufBytes& g) {
  static const std::string dir = smolc::test::temp_dir("gguf_reader");
  const std::string p = dir + "/" + name;
  g.write(p);
  return p;
}
}  // namespace

TEST_CASE("GGUF reader: every metadata value type, in v2 and v3") {
  for (uint32_t version : {2u, 3u}) {
    INFO("version " << version);
    GgufBytes g = GgufBytes::valid();
    g.version = version;
    g.kv.push_back({"t.u8", 0, GgufBytes::raw<uint8_t>(200)});
    g.kv.push_back({"t.i8", 1, GgufBytes::raw<int8_t>(-100)});
    g.kv.push_back({"t.u16", 2, GgufBytes::raw<uint16_t>(60000)});
    g.kv.push_back({"t.i16", 3, GgufBytes::raw<int16_t>(-30000)});
    g.kv.push_back({"t.u32", 4, GgufBytes::raw<uint32_t>(4000000000u)});
    g.kv.push_back({"t.i32", 5, GgufBytes::raw<int32_t>(-2000000000)});
    g.kv.push_back({"t.f32", 6, GgufBytes::raw<float>(0.125f)});
    g.kv.push_back({"t.bool", 7, GgufBytes::raw<uint8_t>(1)});
    g.kv.push_back({"t.str", 8, GgufBytes::str("h\xc3\xa9llo")});
    g.kv.push_back({"t.u64", 10, GgufBytes::raw<uint64_t>(1ull << 40)});
    g.kv.push_back({"t.i64", 11, GgufBytes::raw<int64_t>(-(1ll << 40))});
    g.kv.push_back({"t.f64", 12, GgufBytes::raw<double>(-2.5)});
    g.kv.push_back({"t.arr_i16", 9, GgufBytes::raw<uint32_t>(3) + GgufBytes::raw<uint64_t>(3) +
                                        GgufBytes::raw<int16_t>(-1) + GgufBytes::raw<int16_t>(2) +
                                        GgufBytes::raw<int16_t>(-3)});
    g.kv.push_back({"t.arr_empty", 9, GgufBytes::raw<uint32_t>(8) + GgufBytes::raw<uint64_t>(0)});
    const gguf::File f = gguf::parse(write("types_v" + std::to_string(version) + ".gguf", g));
    CHECK(f.version == version);
    CHECK(f.kv.at("t.u8").u == 200);
    CHECK(f.kv.at("t.i8").i == -100);
    CHECK(f.kv.at("t.u16").u == 60000);
    CHECK(f.kv.at("t.i16").i == -30000);
    CHECK(f.kv.at("t.u32").u == 4000000000u);
    CHECK(f.kv.at("t.i32").i == -2000000000);
    CHECK(f.kv.at("t.f32").f == 0.125);
    CHECK(f.kv.at("t.bool").u == 1);
    CHECK(f.kv.at("t.str").s == "h\xc3\xa9llo");
    CHECK(f.kv.at("t.u64").u == (1ull << 40));
    CHECK(f.kv.at("t.i64").i == -(1ll << 40));
    CHECK(f.kv.at("t.f64").f == -2.5);
    CHECK(f.kv.at("t.arr_i16").nums == std::vector<double>{-1, 2, -3});
    CHECK(f.kv.at("t.arr_empty").strs.empty());
    CHECK(f.kv.at("tokenizer.ggml.tokens").strs.size() == 8);
    CHECK(f.alignment == 32);
    CHECK(f.data_offset % 32 == 0);
    REQUIRE(f.tensors.size() == 11);
    CHECK(f.tensors[0].name == "token_embd.weight");
    CHECK(f.tensors[0].ne == std::vector<uint64_t>{32, 8});
    CHECK(f.tensors[0].nbytes == 32 * 8 * 4);
    // HF order: [vocab, dim].
    const smolc::Checkpoint ck = smolc::load_gguf(write("types_v" + std::to_string(version) + "_b.gguf", g));
    CHECK(ck.get("model.embed_tokens.weight").shape == std::vector<int64_t>{8, 32});
    CHECK(ck.get("model.layers.0.self_attn.k_proj.weight").shape == std::vector<int64_t>{16, 32});
    CHECK(ck.cfg.tie_embeddings);
    CHECK(ck.cfg.head_dim == 16);
    CHECK(ck.tokenizer.merges.size() == 3);
    CHECK(ck.tokenizer.merges[2] == std::pair<std::string, std::string>{"ab", "cd"});
  }
}

TEST_CASE("GGUF reader: general.alignment moves the data section and the offsets") {
  GgufBytes g = GgufBytes::valid();
  g.u32("general.alignment", 64);
  // Offsets must now be multiples of 64: lay out with 64-byte steps.
  uint64_t off = 0;
  for (auto& t : g.tensors) {
    t.offset = off;
    off += (t.nbytes + 63) / 64 * 64;
  }
  std::string b = g.bytes();
  // bytes() pads the header to 32; the reader expects 64: insert the difference.
  size_t header_end = 0;
  {
    // Where the tensor infos end, to realign the data section.
    std::string head = "GGUF" + GgufBytes::raw(g.version) + GgufBytes::raw<uint64_t>(g.tensors.size()) +
                       GgufBytes::raw<uint64_t>(g.kv.size());
    for (const auto& e : g.kv) head += GgufBytes::str(e.key) + GgufBytes::raw(e.type) + e.payload;
    for (const auto& t : g.tensors) {
      head += GgufBytes::str(t.name) + GgufBytes::raw<uint32_t>(static_cast<uint32_t>(t.ne.size()));
      for (uint64_t d : t.ne) head += GgufBytes::raw(d);
      head += GgufBytes::raw(t.type) + GgufBytes::raw(t.offset);
    }
    header_end = head.size();
  }
  const size_t at32 = (header_end + 31) / 32 * 32, at64 = (header_end + 63) / 64 * 64;
  b.insert(at32, std::string(at64 - at32, '\0'));
  const std::string p = smolc::test::temp_dir("gguf_reader_align") + "/a.gguf";
  GgufBytes::write_bytes(p, b);
  const gguf::File f = gguf::parse(p);
  CHECK(f.alignment == 64);
  CHECK(f.data_offset == at64);
  const smolc::Checkpoint ck = smolc::load_gguf(p);
  CHECK(ck.load_f32("model.norm.weight") == std::vector<float>(32, 1.0f));
}

TEST_CASE("GGUF reader: nested arrays and bad alignment are refused") {
  GgufBytes g = GgufBytes::valid();
  g.kv.push_back({"t.nested", 9, GgufBytes::raw<uint32_t>(9) + GgufBytes::raw<uint64_t>(1)});
  CHECK_THROWS_WITH(gguf::parse(write("nested.gguf", g)), Catch::Contains("array element type 9 (array) is not supported"));
  GgufBytes a = GgufBytes::valid();
  a.u32("general.alignment", 48);
  CHECK_THROWS_WITH(gguf::parse(write("align48.gguf", a)), Catch::Contains("general.alignment 48 is not a power of two"));
  GgufBytes d = GgufBytes::valid();
  d.u32("general.name", 5);  // a second general.name
  CHECK_THROWS_WITH(gguf::parse(write("dup.gguf", d)), Catch::Contains("\"general.name\" appears twice"));
}
