// `smolc compile --target wasm32* --web`: the browser page beside a compiled
// engine (docs/targets.md#the-browser-page): the engine linked with
// templates/package/wasm-web.cpp.in into DIR/NAME.wasm, DIR/engine.json (from
// templates/package/web-manifest.json.in) and the static page of examples/web
// (embedded in smolc, copied verbatim).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "schedule/schedule.h"

namespace smolc::cli {

struct WebPage {
  std::string dir;    // the compile output directory (include/, lib/, NAME.weights are there)
  std::string name;   // the engine's C prefix
  std::string model;  // the model's name: untrusted, reaches JSON only through json_string
  std::string format, target;
  int64_t vocab = 0, ctx = 0;
  // `smolc run`'s rules for the model (cli/generate.h).
  int32_t bos = -1;
  std::vector<int32_t> stop_ids;
  bool prompt_after_bos = false;
};

// InputError (exit code 2) unless --web can be honoured: a wasm target and a
// build (not --emit-only), checked before the model is read; then a model
// with a tokenizer, checked before the engine is compiled.
void check_web_target(const schedule::TargetDesc& target, bool emit_only);
void check_web_model(bool has_tokenizer);

// Writes the module, the manifest and the page into p.dir, after the engine
// library was built there. Throws std::runtime_error if linking fails.
void write_web_page(const WebPage& p);

// The files of the page (examples/web), by name.
std::vector<std::string> web_page_files();

}  // namespace smolc::cli
