#include "cli/web_page.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "common/escape.h"
#include "emit/engine_emitter.h"
#include "emit/template_engine.h"
#include "frontend/error.h"
#include "package/shell.h"

namespace smolc::cli {
namespace {
namespace fs = std::filesystem;

constexpr std::string_view kPagePrefix = "examples/web/";

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::string id_list(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += (s.empty() ? "" : ", ") + std::to_string(id);
  return s.empty() ? "-1" : s;  // a C++ array needs one element; N_STOP_IDS says 0
}

// The module entry of the worker (templates/package/wasm-web.cpp.in), kept
// in DIR/src like the engine's other sources.
fs::path write_module_source(const WebPage& p) {
  const std::string src = render_embedded("package/wasm-web.cpp.in",
                                          {{"NAME", p.name},
                                           {"UNAME", ascii_upper(p.name)},
                                           {"VERSION", std::string(SMOLC_VERSION)},
                                           {"STOP_IDS", id_list(p.stop_ids)},
                                           {"N_STOP_IDS", static_cast<int64_t>(p.stop_ids.size())},
                                           {"BOS", static_cast<int64_t>(p.bos)},
                                           {"PROMPT_AFTER_BOS", std::string(p.prompt_after_bos ? "true" : "false")}});
  const fs::path file = fs::path(p.dir) / "src" / (p.name + "_web.cpp");
  write_file(file, src);
  return file;
}

// A reactor module (no main; _initialize runs the constructors) that exports
// the smolc_web_* functions; -nostdlib++: neither side needs the C++ library.
void link_module(const WebPage& p, const fs::path& source) {
  const fs::path dir(p.dir), module = dir / (p.name + ".wasm"), log = dir / "src" / "web-link.log";
  const std::string cmd =
      "clang++-19 --target=wasm32-wasi -mexec-model=reactor -std=c++17 -O2 -fno-exceptions "
      "-fno-rtti -Wall -Wextra -Werror -nostdlib++ -I" +
      shell_quote((dir / "include").string()) + " " + shell_quote(source.string()) + " " +
      shell_quote((dir / "lib" / ("lib" + p.name + ".a")).string()) + " -lm -o " + shell_quote(module.string()) + " >" +
      shell_quote(log.string()) + " 2>&1";
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("linking the page's module " + printable(module.string()) +
                             " failed (clang++-19 --target=wasm32-wasi; tools/setup.sh installs wasi-libc):\n" +
                             printable_lines(read_text(log)));
  std::error_code ec;
  fs::remove(log, ec);
}

void write_manifest(const WebPage& p) {
  const std::string json =
      render_embedded("package/web-manifest.json.in",
                      {{"VERSION", std::string(SMOLC_VERSION)},
                       {"NAME", json_string(p.name)},
                       {"MODEL", json_string(p.model)},
                       {"FORMAT", json_string(p.format)},
                       {"TARGET", json_string(p.target)},
                       {"MODULE", json_string(p.name + ".wasm")},
                       {"WEIGHTS", json_string(p.name + ".weights")},
                       {"WEIGHTS_BYTES", static_cast<int64_t>(fs::file_size(fs::path(p.dir) / (p.name + ".weights")))},
                       {"VOCAB", p.vocab},
                       {"CTX", p.ctx}});
  write_file(fs::path(p.dir) / "engine.json", json);
}

}  // namespace

void check_web_target(const schedule::TargetDesc& target, bool emit_only) {
  if (!target.wasm())
    throw InputError(
        "command line", "--web",
        "needs --target wasm32-simd128 or wasm32 (the page runs a WebAssembly engine), not " + target.name);
  if (emit_only)
    throw InputError("command line", "--web", "cannot go with --emit-only (the page needs the built module)");
}

void check_web_model(bool has_tokenizer) {
  if (!has_tokenizer)
    throw InputError("command line", "--web",
                     "the model has no tokenizer (the page encodes and decodes text; give "
                     "--tokenizer for a llama2.c model)");
}

std::vector<std::string> web_page_files() {
  std::vector<std::string> files;
  for (const EmbeddedTemplate& t : embedded_templates()) {
    const std::string_view path = t.path;
    if (path.substr(0, kPagePrefix.size()) == kPagePrefix) files.emplace_back(path.substr(kPagePrefix.size()));
  }
  return files;
}

void write_web_page(const WebPage& p) {
  link_module(p, write_module_source(p));
  write_manifest(p);
  for (const std::string& f : web_page_files())
    write_file(fs::path(p.dir) / f, std::string(find_template(std::string(kPagePrefix) + f)));
}

}  // namespace smolc::cli
