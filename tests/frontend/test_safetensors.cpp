// safetensors reader: sharded checkpoints, index/shard agreement, tied and
// untied heads, and header corner cases, on files derived from a synthetic
// checkpoint (the CLI-level bad-input cases live in tests/cli/).
#include <catch2/catch.hpp>
#include <cstring>

#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "frontend/safetensors.h"
#include "support/hf_fixtures.h"

using namespace smolc;
using namespace smolc::test;

namespace {

// Splits DIR/model.safetensors into two shards (tensors alternating) with a
// model.safetensors.index.json, re-packing each shard's data area.
void shard(const std::string& dir) {
  const StFile all = read_st(dir + "/model.safetensors");
  StFile parts[2];
  nlohmann::ordered_json index = {{"metadata", {{"total_size", all.data.size()}}}, {"weight_map", nlohmann::ordered_json::object()}};
  int i = 0;
  for (const auto& [name, t] : all.header.items()) {
    if (name == "__metadata__") continue;
    StFile& p = parts[i % 2];
    const std::string file = i % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
    const uint64_t b = t["data_offsets"][0].get<uint64_t>(), e = t["data_offsets"][1].get<uint64_t>();
    const uint64_t at = p.data.size();
    p.data += all.data.substr(b, e - b);
    p.header[name] = {{"dtype", t["dtype"]}, {"shape", t["shape"]}, {"data_offsets", {at, at + (e - b)}}};
    index["weight_map"][name] = file;
    ++i;
  }
  write_st(dir + "/model-00001-of-00002.safetensors", parts[0]);
  write_st(dir + "/model-00002-of-00002.safetensors", parts[1]);
  write_bytes(dir + "/model.safetensors.index.json", index.dump(2));
  std::filesystem::remove(dir + "/model.safetensors");
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("safetensors: a sharded checkpoint loads the same tensors as the single file", "[safetensors]") {
  const std::string single = make_synth("st_single", "tiny", 11);
  const std::string sharded = copy_dir(single, "st_sharded");
  shard(sharded);
  const Checkpoint a = load_hf_dir(single), b = load_hf_dir(sharded);
  REQUIRE(a.tensors.size() == 20);
  REQUIRE(b.tensors.size() == a.tensors.size());
  CHECK(b.files.size() == 2);
  for (const auto& [name, t] : a.tensors) {
    INFO(name);
    const TensorInfo& u = b.get(name);
    CHECK(u.shape == t.shape);
    CHECK(u.dtype == t.dtype);
    REQUIRE(u.nbytes == t.nbytes);
    CHECK(std::memcmp(u.data, t.data, t.nbytes) == 0);
    CHECK(u.file.find("-of-00002.safetensors") != std::string::npos);
  }
}

TEST_CASE("safetensors: index and shards must agree", "[safetensors]") {
  const std::string dir = make_synth("st_index", "tiny", 1);
  shard(dir);
  const std::string ipath = dir + "/model.safetensors.index.json";
  const std::string good_index = read_file(ipath);

  auto index = nlohmann::json::parse(good_index);
  index["weight_map"]["model.norm.weight"] = "model-00001-of-00002.safetensors";  // it is in shard 2
  write_bytes(ipath, index.dump());
  CHECK(error_of([&] { load_hf_dir(dir); }) ==
        ipath + ": weight_map.model.norm.weight: tensor is not in model-00001-of-00002.safetensors");

  index = nlohmann::json::parse(good_index);
  index["weight_map"].erase("model.norm.weight");
  write_bytes(ipath, index.dump());
  CHECK_THAT(error_of([&] { load_hf_dir(dir); }),
             Catch::EndsWith("model-00002-of-00002.safetensors: model.norm.weight: tensor is not listed in " + ipath));

  index = nlohmann::json::parse(good_index);
  index["weight_map"]["model.norm.weight"] = "model-00003-of-00002.safetensors";
  write_bytes(ipath, index.dump());
  CHECK_THAT(error_of([&] { load_hf_dir(dir); }), Catch::Contains("model-00003-of-00002.safetensors: cannot open"));

  // The same tensor in both shards.
  write_bytes(ipath, good_index);
  StFile s1 = read_st(dir + "/model-00001-of-00002.safetensors");
  const StFile s2 = read_st(dir + "/model-00002-of-00002.safetensors");
  const std::string dup = s2.header.begin().key();
  auto t = s2.header[dup];
  const uint64_t len = t["data_offsets"][1].get<uint64_t>() - t["data_offsets"][0].get<uint64_t>();
  t["data_offsets"] = {s1.data.size(), s1.data.size() + len};
  s1.header[dup] = t;
  s1.data += std::string(len, '\0');
  write_st(dir + "/model-00001-of-00002.safetensors", s1);
  CHECK_THAT(error_of([&] { load_hf_dir(dir); }), Catch::Contains(": " + dup + ": tensor also appears in "));
}

TEST_CASE("safetensors: lm_head.weight is required exactly when embeddings are untied", "[safetensors]") {
  const std::string dir = make_synth("st_untied", "tiny", 1);
  const std::string cfg = read_file(dir + "/config.json");
  std::string untied = cfg;
  untied.replace(untied.find("\"tie_word_embeddings\": true"), 27, "\"tie_word_embeddings\": false");
  write_bytes(dir + "/config.json", untied);
  CHECK(error_of([&] { load_hf_dir(dir); }) == dir + ": lm_head.weight: tensor is missing");

  StFile f = read_st(dir + "/model.safetensors");
  auto e = f.header["model.embed_tokens.weight"];
  const uint64_t b = e["data_offsets"][0].get<uint64_t>(), end = e["data_offsets"][1].get<uint64_t>();
  e["data_offsets"] = {f.data.size(), f.data.size() + (end - b)};
  f.header["lm_head.weight"] = e;
  f.data += f.data.substr(b, end - b);
  write_st(dir + "/model.safetensors", f);
  const Checkpoint ck = load_hf_dir(dir);
  CHECK(ck.load_f32("lm_head.weight") == ck.load_f32("model.embed_tokens.weight"));
  CHECK(ck.cfg.param_count() == 3244352 + 49152 * 64);

  write_bytes(dir + "/config.json", cfg);
  CHECK(error_of([&] { load_hf_dir(dir); }) ==
        dir + "/model.safetensors: lm_head.weight: unexpected tensor (config: 2 layers, tie_word_embeddings true)");
}

TEST_CASE("safetensors: metadata, empty tensors and odd header lengths are accepted", "[safetensors]") {
  const std::string dir = temp_dir("st_corner");
  StFile f;
  f.header["__metadata__"] = {{"format", "pt"}};
  f.header["a"] = {{"dtype", "F32"}, {"shape", {2, 2}}, {"data_offsets", {0, 16}}};
  f.header["empty"] = {{"dtype", "BF16"}, {"shape", {0, 7}}, {"data_offsets", {8, 8}}};
  f.header["b"] = {{"dtype", "F16"}, {"shape", {3}}, {"data_offsets", {16, 22}}};
  f.data = std::string(22, '\x01');
  // An unpadded header of odd length: data then starts at an odd offset.
  std::string h = f.header.dump() + " ";
  if (h.size() % 2 == 0) h += " ";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<size_t>(i)] = static_cast<char>((h.size() >> (8 * i)) & 0xff);
  write_bytes(dir + "/x.safetensors", bytes + h + f.data);
  Checkpoint ck;
  load_safetensors_file(dir + "/x.safetensors", ck);
  REQUIRE(ck.tensors.size() == 3);
  CHECK(ck.get("a").file_offset == 8 + h.size());
  CHECK(ck.get("b").dtype == DType::F16);
  CHECK(ck.get("empty").numel() == 0);
  CHECK(ck.load_f32("b").size() == 3);
}

TEST_CASE("safetensors: header field errors name the tensor", "[safetensors]") {
  const std::string dir = temp_dir("st_fields");
  const std::string p = dir + "/x.safetensors";
  auto err = [&](const nlohmann::json& t) {
    StFile f;
    f.header["t"] = t;
    f.data = std::string(16, '\0');
    write_st(p, f);
    Checkpoint ck;
    return error_of([&] { load_safetensors_file(p, ck); });
  };
  CHECK(err({{"dtype", "F32"}, {"shape", {4}}}) == p + ": t: missing \"data_offsets\"");
  CHECK(err({{"dtype", "F64"}, {"shape", {2}}, {"data_offsets", {0, 16}}}) == p + ": t: unknown dtype \"F64\" (expected F32, BF16 or F16)");
  CHECK(err({{"dtype", "F32"}, {"shape", {-4}}, {"data_offsets", {0, 16}}}) == p + ": t: shape dimension -4 is not a non-negative integer");
  CHECK(err({{"dtype", "F32"}, {"shape", {4}}, {"data_offsets", {16, 0}}}) ==
        p + ": t: data_offsets [16, 0] are out of range (data area is 16 bytes at file offset " +
            std::to_string(std::filesystem::file_size(p) - 16) + ")");
  CHECK(err({{"dtype", "F32"}, {"shape", {4}}, {"data_offsets", {0}}}) == p + ": t: data_offsets [0] is not a pair [begin, end]");
  CHECK(err({{"dtype", "F32"}, {"shape", {3}}, {"data_offsets", {0, 16}}}) ==
        p + ": t: data_offsets [0, 16] hold 16 bytes, expected 12 for shape [3] F32");
}
