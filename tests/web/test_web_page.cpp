// The browser page of `smolc compile --web` (docs/targets.md#the-browser-page):
// compiled by smolc, served on 127.0.0.1 and driven in Debian's headless
// Chromium through puppeteer-core (tools/wasm/page.mjs: types the prompt,
// sets the options, clicks Generate, waits for the end, reports what the page
// shows). The truths: the published stories260K story, and `smolc run
// --target scalar` with the same sampler options and seed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/published_story.h"
#include "support/test_support.h"

using namespace smolc::test;
namespace fs = std::filesystem;

namespace {

std::string stories_model() { return stories_dir() + "/stories260K.bin"; }

void require_browser_tools() {
  for (const auto& [probe, fix] :
       {std::pair<std::string, std::string>{"command -v node", "install nodejs (tools/setup.sh does)"},
        {"test -x \"${CHROMIUM:-/usr/bin/chromium}\"", "install Debian's chromium (tools/setup.sh does)"},
        {"test -d '" + source_dir() + "/tools/node/node_modules/puppeteer-core'",
         "run tools/setup.sh (npm ci in tools/node installs puppeteer-core)"}}) {
    const RunResult r = run_shell(probe);
    INFO("`" << probe << "` failed: " << fix);
    REQUIRE(r.exit_code == 0);
  }
}

// `smolc compile MODEL ARGS --web -o DIR`, which must succeed.
void compile_page(const std::string& model, const std::string& args, const std::string& dir) {
  const RunResult r = run_smolc("compile " + shell_quote(model) + " " + args + " --web -o " + shell_quote(dir));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* f : {"index.html", "page.js", "worker.js", "wasi.js", "engine.json"}) {
    INFO(f);
    CHECK(fs::is_regular_file(fs::path(dir) / f));
  }
}

// What the page shows after a run with these page.mjs options.
nlohmann::json run_page(const std::string& dir, const std::string& options) {
  const RunResult r = run_shell("node '" + source_dir() + "/tools/wasm/page.mjs' " + shell_quote(dir) + " " + options);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json page = nlohmann::json::parse(r.out);
  INFO(page.dump(1));
  REQUIRE(page["state"] == "done");
  return page;
}

std::string trim_end(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("compile with the web page needs a wasm target and a build: anything else is refused with exit code 2") {
  const std::string dir = temp_dir("web_refused");
  for (const std::string args : {"--q8 --target scalar --web", "--q8 --target avx2 --web",
                                 "--q8 --target wasm32-simd128 --web --emit-only"}) {
    INFO(args);
    const RunResult r = run_smolc("compile " + shell_quote(stories_model()) + " " + args + " -o " + shell_quote(dir + "/out"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--web") != std::string::npos);
    CHECK(r.err.find(args.find("emit") != std::string::npos ? "--emit-only" : "wasm32") != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/out/index.html"));
  }
}

TEST_CASE("the page in headless Chromium shows the published stories260K story at temperature 0") {
  require_browser_tools();
  const std::string dir = temp_dir("web_story");
  compile_page(stories_model(), "--f32 --target wasm32-simd128", dir);
  // The story's own first words as the typed prompt: BOS + their ids are the
  // greedy path, so the page must continue with the rest of the story.
  // The published text is 256 tokens after BOS; the prompt is 4 of them.
  const nlohmann::json page = run_page(dir, "--prompt 'Once upon a time' --temp 0 -n 252");
  CHECK(trim_end(page["output"].get<std::string>()) == published_story());
  CHECK(page["status"].get<std::string>().find("tok/s") != std::string::npos);
}

TEST_CASE("a sampled run in the page equals smolc run --target scalar with the same seed and options") {
  require_browser_tools();
  const std::string dir = temp_dir("web_sampled"), cache = temp_dir("web_sampled_cache");
  compile_page(stories_model(), "--q8 --target wasm32-simd128", dir);
  for (const std::string seed : {"5", "18446744073709551557"}) {  // and a seed above 2^63
    INFO("seed " << seed);
    const std::string options = "--temp 0.8 --top-p 0.9 --seed " + seed;
    const nlohmann::json page = run_page(dir, "--prompt 'Once upon a time' -n 120 " + options);
    const RunResult cli = run_shell("SMOLC_CACHE_DIR=" + shell_quote(cache) + " " + shell_quote(smolc_bin()) + " run " +
                                    shell_quote(stories_model()) + " --q8 --target scalar -q -n 120 -p 'Once upon a time' " +
                                    options);
    INFO(cli.err);
    REQUIRE(cli.exit_code == 0);
    CHECK(page["output"].get<std::string>() + "\n" == cli.out);
    CHECK(cli.out.size() > 200);
  }
}

TEST_CASE("a hostile model name reaches engine.json escaped and the page as text, never as HTML") {
  require_browser_tools();
  // A llama2.c model's name is its file name: quotes, a backslash, markup and
  // an entity, and an -o path that is shell syntax.
  const std::string hostile = "x\"y\\z<img src=x onerror=\"window.__pwned=1\"><svg onload=window.__pwned=2>&amp;'";
  const std::string models = temp_dir("web_hostile_model");
  fs::copy_file(stories_model(), models + "/" + hostile + ".bin");
  fs::copy_file(stories_dir() + "/tok512.bin", models + "/tok512.bin");
  const std::string dir = temp_dir("web_hostile") + "/out $(touch pwned) '<b>";
  compile_page(models + "/" + hostile + ".bin", "--q8 --target wasm32", dir);
  CHECK_FALSE(fs::exists("pwned"));

  const std::string manifest = read_file(dir + "/engine.json");
  CHECK(manifest.find(hostile) == std::string::npos);  // '"' and '\\' must be escaped
  CHECK(nlohmann::json::parse(manifest)["model"] == hostile);
  CHECK(read_file(dir + "/index.html").find("<img") == std::string::npos);

  const nlohmann::json page = run_page(dir, "--prompt 'Once upon a time' --temp 0 -n 8");
  CHECK(page["model"] == hostile);
  CHECK(page["title"].get<std::string>().find(hostile) != std::string::npos);
  CHECK(page["images"] == 0);
  CHECK(page["pwned"].is_null());
}
