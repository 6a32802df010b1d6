// Model lookup: paths, ./NAME, $SMOLC_MODEL_PATH, the HuggingFace hub cache
// (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub), and the error that
// lists every place looked. Each run gets a controlled environment.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/hf_fixtures.h"

using namespace smolc::test;
namespace fs = std::filesystem;

namespace {

// Runs `smolc inspect --json MODEL` in `cwd` with only the given lookup
// variables set (HOME points at `home` so the real cache never interferes).
RunResult inspect_in(const std::string& cwd, const std::string& home, const std::string& vars, const std::string& model) {
  return run_shell("cd '" + cwd + "' && env -u SMOLC_MODEL_PATH -u HF_HUB_CACHE -u HF_HOME HOME='" + home + "' " + vars +
                   " '" + smolc_bin() + "' inspect --json '" + model + "'");
}

// Lays out a checkpoint the way huggingface_hub does: files in blobs/,
// snapshots/<rev>/ holding symlinks to them, refs/main naming <rev>.
void put_in_hub(const std::string& hub, const std::string& org, const std::string& name, const std::string& src) {
  const fs::path repo = fs::path(hub) / ("models--" + org + "--" + name);
  const std::string rev = "0123456789abcdef0123456789abcdef01234567";
  fs::create_directories(repo / "blobs");
  fs::create_directories(repo / "refs");
  fs::create_directories(repo / "snapshots" / rev);
  write_bytes((repo / "refs" / "main").string(), rev);
  int i = 0;
  for (const char* f : {"config.json", "tokenizer.json", "model.safetensors"}) {
    const std::string blob = "blob" + std::to_string(i++);
    fs::copy_file(fs::path(src) / f, repo / "blobs" / blob);
    fs::create_symlink(fs::path("../../blobs") / blob, repo / "snapshots" / rev / f);
  }
}

nlohmann::json ok_json(const RunResult& r) {
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("locate: a name is found through SMOLC_MODEL_PATH, ./NAME first", "[locate]") {
  const std::string root = temp_dir("locate_path");
  const std::string tiny = make_synth("locate_path_src");
  fs::create_directories(root + "/a");
  fs::create_directories(root + "/b");
  fs::create_directories(root + "/cwd");
  fs::copy(tiny, root + "/b/mymodel");
  auto j = ok_json(inspect_in(root + "/cwd", root, "SMOLC_MODEL_PATH='" + root + "/a:" + root + "/b'", "mymodel"));
  CHECK(j["path"] == root + "/b/mymodel");
  CHECK(j["name"] == "mymodel");
  CHECK(j["parameters"] == 3244352);

  fs::copy(tiny, root + "/a/mymodel");  // earlier in the path wins
  j = ok_json(inspect_in(root + "/cwd", root, "SMOLC_MODEL_PATH='" + root + "/a:" + root + "/b'", "mymodel"));
  CHECK(j["path"] == root + "/a/mymodel");

  fs::copy(tiny, root + "/cwd/mymodel");  // ./NAME beats the path
  j = ok_json(inspect_in(root + "/cwd", root, "SMOLC_MODEL_PATH='" + root + "/a:" + root + "/b'", "mymodel"));
  CHECK(j["path"] == "mymodel");
}

TEST_CASE("locate: a name is found in the HuggingFace hub cache", "[locate]") {
  const std::string root = temp_dir("locate_hub");
  const std::string tiny = make_synth("locate_hub_src");
  fs::create_directories(root + "/cwd");

  put_in_hub(root + "/hubcache", "HuggingFaceTB", "SmolTiny", tiny);
  auto j = ok_json(inspect_in(root + "/cwd", root, "HF_HUB_CACHE='" + root + "/hubcache'", "SmolTiny"));
  CHECK(j["name"] == "SmolTiny");
  CHECK(j["format"] == "hf");
  CHECK(j["path"].get<std::string>().find("models--HuggingFaceTB--SmolTiny/snapshots/0123456789abcdef") != std::string::npos);

  put_in_hub(root + "/hfhome/hub", "someorg", "Other", tiny);
  j = ok_json(inspect_in(root + "/cwd", root, "HF_HOME='" + root + "/hfhome'", "someorg/Other"));
  CHECK(j["name"] == "Other");

  put_in_hub(root + "/.cache/huggingface/hub", "HuggingFaceTB", "InHome", tiny);
  j = ok_json(inspect_in(root + "/cwd", root, "", "InHome"));
  CHECK(j["name"] == "InHome");
}

TEST_CASE("locate: an unknown name lists every place looked and how to download it", "[locate]") {
  const std::string root = temp_dir("locate_missing");
  fs::create_directories(root + "/cwd");
  const RunResult r = inspect_in(root + "/cwd", root,
                                 "SMOLC_MODEL_PATH='" + root + "/m1:" + root + "/m2' HF_HUB_CACHE='" + root + "/hc' HF_HOME='" + root + "/hh'",
                                 "NoSuchModel");
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find('\n') == r.err.size() - 1);
  for (const std::string& place : {std::string("./NoSuchModel"), root + "/m1/NoSuchModel", root + "/m2/NoSuchModel",
                                   root + "/hc/models--HuggingFaceTB--NoSuchModel/snapshots/main",
                                   root + "/hh/hub/models--HuggingFaceTB--NoSuchModel/snapshots/main",
                                   root + "/.cache/huggingface/hub/models--HuggingFaceTB--NoSuchModel/snapshots/main"})
    CHECK(r.err.find(place) != std::string::npos);
  CHECK(r.err.find("huggingface-cli download HuggingFaceTB/NoSuchModel") != std::string::npos);
}

TEST_CASE("locate: paths are dispatched by what they are", "[locate]") {
  const std::string root = temp_dir("locate_kinds");
  // A llama2.c file (no magic) goes to the llama2.c loader.
  auto j = ok_json(inspect_in(root, root, "", stories_dir() + "/stories260K.bin"));
  CHECK(j["format"] == "llama2c");
  // A directory without config.json is not a model.
  RunResult r = inspect_in(root, root, "", root);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "smolc: error: " + root + ": directory has no config.json (expected a HuggingFace model directory)\n");
  // A missing path is reported as such, not looked up as a name.
  r = inspect_in(root, root, "", root + "/nothing/here");
  CHECK(r.exit_code == 2);
  CHECK(r.err == "smolc: error: " + root + "/nothing/here: no such file or directory\n");
  // GGUF magic goes to the GGUF loader, which must refuse a file that is only magic.
  write_bytes(root + "/bad.gguf", "GGUF");
  r = inspect_in(root, root, "", root + "/bad.gguf");
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("smolc: error: " + root + "/bad.gguf", 0) == 0);
}
