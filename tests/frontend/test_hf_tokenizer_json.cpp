// tokenizer.json parsing: the real SmolLM2 file read back entry by entry, both
// merge formats, and every unsupported pipeline refused by name.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "frontend/error.h"
#include "frontend/tokenizer_data.h"
#include "support/hf_fixtures.h"

using namespace smolc;
using namespace smolc::test;

namespace {

// (nlohmann::json, not ordered_json: the ordered map is quadratic in the 49152 vocab keys.)
nlohmann::json real() { return nlohmann::json::parse(read_file(smollm2_dir() + "/tokenizer.json")); }

TokenizerData load(const nlohmann::json& j, const std::string& name) {
  const std::string p = temp_dir("tokjson_" + name) + "/tokenizer.json";
  write_bytes(p, j.dump());
  return load_hf_tokenizer_json(p);
}

std::string error_of(const nlohmann::json& j, const std::string& name) {
  try {
    load(j, name);
  } catch (const InputError& e) {
    const std::string w = e.what();
    return w.substr(w.find("tokenizer.json: ") + 16);
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("tokenizer.json: the real SmolLM2 tokenizer is read entry by entry", "[tokenizer_json]") {
  const auto j = real();
  const TokenizerData t = load_hf_tokenizer_json(smollm2_dir() + "/tokenizer.json");
  CHECK(t.kind == TokenizerData::Kind::ByteLevelBPE);
  CHECK(t.split_digits);
  CHECK(t.bos_id == -1);  // set from config.json by the directory loader
  REQUIRE(t.vocab.size() == j["model"]["vocab"].size());
  for (const auto& [tok, id] : j["model"]["vocab"].items()) REQUIRE(t.vocab.at(id.get<size_t>()) == tok);
  REQUIRE(t.merges.size() == j["model"]["merges"].size());
  for (size_t i = 0; i < t.merges.size(); ++i)
    REQUIRE(t.merges[i].first + " " + t.merges[i].second == j["model"]["merges"][i].get<std::string>());
  REQUIRE(t.added.size() == j["added_tokens"].size());
  for (size_t i = 0; i < t.added.size(); ++i) {
    CHECK(t.added[i].id == j["added_tokens"][i]["id"].get<int>());
    CHECK(t.added[i].content == j["added_tokens"][i]["content"].get<std::string>());
    CHECK(t.added[i].special == j["added_tokens"][i]["special"].get<bool>());
  }
}

TEST_CASE("tokenizer.json: [a, b] merge pairs read the same as \"a b\" strings", "[tokenizer_json]") {
  auto j = real();
  for (auto& m : j["model"]["merges"]) {
    const std::string s = m.get<std::string>();
    m = {s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1)};
  }
  const TokenizerData pairs = load(j, "pairs");
  const TokenizerData strings = load_hf_tokenizer_json(smollm2_dir() + "/tokenizer.json");
  CHECK(pairs.merges == strings.merges);
  CHECK(pairs.vocab == strings.vocab);
}

TEST_CASE("tokenizer.json: plain ByteLevel pre-tokenizer and added tokens past the vocab", "[tokenizer_json]") {
  auto j = real();
  j["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  j["added_tokens"].push_back({{"id", 49152}, {"content", "<extra>"}, {"special", false}});
  const TokenizerData t = load(j, "plain");
  CHECK_FALSE(t.split_digits);
  REQUIRE(t.vocab.size() == 49153);
  CHECK(t.vocab[49152] == "<extra>");
  CHECK_FALSE(t.added.back().special);
}

TEST_CASE("tokenizer.json: unsupported pipelines and inconsistent ids are refused", "[tokenizer_json]") {
  auto j = real();
  j["model"]["type"] = "Unigram";
  CHECK(error_of(j, "unigram") == "model.type: \"Unigram\" is not supported (expected \"BPE\")");
  j = real();
  j["pre_tokenizer"] = {{"type", "Metaspace"}};
  CHECK_THAT(error_of(j, "metaspace"), Catch::StartsWith("pre_tokenizer: {\"type\":\"Metaspace\"} is not supported"));
  j = real();
  j["pre_tokenizer"]["pretokenizers"][1]["add_prefix_space"] = true;
  CHECK(error_of(j, "prefix") == "pre_tokenizer.pretokenizers[1].add_prefix_space: true is not supported (expected false)");
  j = real();
  j["pre_tokenizer"]["pretokenizers"][0]["individual_digits"] = false;
  CHECK_THAT(error_of(j, "digits"), Catch::StartsWith("pre_tokenizer: "));
  j = real();
  j["normalizer"] = {{"type", "NFC"}};
  CHECK(error_of(j, "nfc") == "normalizer: {\"type\":\"NFC\"} is not supported (expected null)");
  j = real();
  j["model"]["byte_fallback"] = true;
  CHECK_THAT(error_of(j, "fallback"), Catch::StartsWith("model.byte_fallback: "));
  j = real();
  j["model"]["vocab"]["zzzzqq"] = 60000;  // a new token: leaves 49152..59999 without one
  CHECK(error_of(j, "gap") == "model.vocab: token ids are not dense: no token has id 49152 (vocab has 60001 ids)");
  j = real();
  j["model"]["vocab"]["Ġt"] = 5;  // collides with <file_sep>... and leaves its own id empty
  CHECK_THAT(error_of(j, "dup"), Catch::Contains("is also used by") || Catch::Contains("is \"<file_sep>\" here but"));
  j = real();
  j["added_tokens"][0]["content"] = "<|other|>";
  CHECK(error_of(j, "added") == "added_tokens[0]: id 0 is \"<|other|>\" here but \"<|endoftext|>\" in model.vocab");
  j = real();
  j["model"]["vocab"]["big"] = 1 << 22;
  CHECK(error_of(j, "bigid") == "model.vocab[\"big\"]: id 4194304 is out of range (expected 0..2097151)");
  j = real();
  j["model"]["merges"][3] = "a b c";
  CHECK(error_of(j, "merge3") == "model.merges[3]: \"a b c\" is not two tokens separated by one space");
  j = real();
  j["model"]["merges"][0] = {"Ġ", "zzzzqq"};
  CHECK(error_of(j, "mergevocab") == "model.merges[0]: token \"zzzzqq\" is not in model.vocab");
}
