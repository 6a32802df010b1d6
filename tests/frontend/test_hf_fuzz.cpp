// Mutated HF files (deterministic: std::mt19937 is fully specified) must
// either load or raise InputError — never crash, hang or throw anything else.
// Run under ASan+UBSan this also proves no out-of-bounds read of the maps.
#include <catch2/catch.hpp>
#include <random>

#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "frontend/safetensors.h"
#include "support/hf_fixtures.h"

using namespace smolc;
using namespace smolc::test;

namespace {

enum class Outcome { Loaded, InputError };

Outcome try_load_safetensors(const std::string& path, const ModelConfig& cfg) {
  try {
    Checkpoint ck;
    ck.path = path;
    ck.cfg = cfg;
    load_safetensors_file(path, ck);
    validate_tensors(ck);
    for (const auto& [name, t] : ck.tensors) (void)ck.load_f32(name);  // touches every byte
    return Outcome::Loaded;
  } catch (const InputError&) {
    return Outcome::InputError;
  }
}

Outcome try_parse_config(const std::string& path) {
  try {
    parse_hf_config(path);
    return Outcome::Loaded;
  } catch (const InputError&) {
    return Outcome::InputError;
  }
}

// Overwrites 1..4 random bytes of [0, limit) with random values or with
// bytes that matter to JSON and to little-endian lengths.
std::string mutate(std::string s, size_t limit, std::mt19937& rng) {
  static const char interesting[] = {'\0', '\xff', '"', '{', '}', '[', ']', ',', ':', '-', '9', '.', 'e', '\\', '\x80'};
  const int n = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < n; ++k) {
    const size_t at = rng() % limit;
    s[at] = rng() % 2 ? static_cast<char>(rng() & 0xff) : interesting[rng() % sizeof interesting];
  }
  return s;
}

}  // namespace

TEST_CASE("fuzz: mutated safetensors headers and truncations never crash", "[fuzz]") {
  const std::string dir = make_synth("fuzz_st", "tiny", 1);
  const ModelConfig cfg = parse_hf_config(dir + "/config.json");
  const std::string good = read_file(dir + "/model.safetensors");
  const std::string path = temp_dir("fuzz_st_work") + "/model.safetensors";
  REQUIRE(try_load_safetensors(dir + "/model.safetensors", cfg) == Outcome::Loaded);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; --i) hlen = (hlen << 8) | static_cast<uint8_t>(good[static_cast<size_t>(i)]);
  std::mt19937 rng(20241121);
  int errors = 0;
  for (int iter = 0; iter < 400; ++iter) {
    std::string bad = iter % 4 == 3 ? good.substr(0, rng() % good.size()) : mutate(good, static_cast<size_t>(8 + hlen), rng);
    write_bytes(path, bad);
    errors += try_load_safetensors(path, cfg) == Outcome::InputError;
  }
  // Most mutations break something; if none did, the checks are not running.
  CHECK(errors > 200);
}

TEST_CASE("fuzz: mutated config.json never crashes", "[fuzz]") {
  const std::string good = read_file(smollm2_dir() + "/config.json");
  const std::string path = temp_dir("fuzz_cfg") + "/config.json";
  std::mt19937 rng(7);
  int errors = 0;
  for (int iter = 0; iter < 600; ++iter) {
    write_bytes(path, mutate(good, good.size(), rng));
    errors += try_parse_config(path) == Outcome::InputError;
  }
  CHECK(errors > 100);
}
