// `smolc compile MODEL --f32|--bf16|--f16|--q8|--q4|--q16 ...`: the whole pipeline, from a
// checkpoint to DIR/{include,lib,src,manifest.json}.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/command.h"
#include "cli/format_flags.h"
#include "cli/generate.h"
#include "cli/number_option.h"
#include "cli/progress.h"
#include "cli/web_page.h"
#include "common/escape.h"
#include "driver/compile.h"
#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "schedule/schedule.h"

namespace {

struct Args {
  std::string model, name, out, target = "native", weights, kv = "f32", cxx, cxxflags, tokenizer,
                                tune;  // cxx "": the target's
  smolc::cli::FormatFlags formats;
  bool emit_only = false;
  bool web = false;  // also write the browser page (cli/web_page.h)
  int ctx = 0, threads = 0;
};

std::string mb(size_t bytes) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return b;
}

int run(const Args& a) {
  using namespace smolc;
  const auto t0 = std::chrono::steady_clock::now();
  const std::optional<schedule::FormatPlan> plan = a.formats.plan();
  if (!plan) throw InputError("command line", "format", "give one of --f32, --bf16, --f16, --q8, --q4, --q16");
  const Format fmt = plan->base;
  if (!a.weights.empty() && a.weights != "embed" && a.weights != "external")
    throw InputError("command line", "--weights", "'" + a.weights + "' is not embed or external");
  const bool kv_f16 = cli::kv_f16_flag(a.kv);
  const schedule::TargetDesc* target = &schedule::target_flag(a.target, false);
  if (target->wasm() && a.weights == "embed")
    throw InputError("command line", "--weights",
                     "a " + target->name +
                         " engine always reads DIR/NAME.weights "
                         "(the module and the page fetch it; docs/targets.md#wasm32-and-wasm32-simd128)");
  if (a.web) cli::check_web_target(*target, a.emit_only);

  // Every format compiles for every core, but on a microcontroller some cost
  // far more than others: say so before the user flashes it (docs/firmware.md).
  if (target->bare_metal() && (fmt == Format::BF16 || fmt == Format::F16 || fmt == Format::Q16 ||
                               (target->name != "cortex-m55" && is_quantized(fmt))))
    std::fprintf(stderr, "smolc: note: %s runs %s on the portable scalar kernels%s (docs/firmware.md)\n",
                 target->name.c_str(), format_name(fmt),
                 fmt == Format::BF16 || fmt == Format::F16 ? ", widening every weight in software" : "");
  Checkpoint ck = load_checkpoint(a.model, a.tokenizer);
  if (a.web) cli::check_web_model(ck.tokenizer.kind != TokenizerData::Kind::None);
  CompileRequest req;
  req.model = &ck;
  req.formats = *plan;
  req.allow_nonfinite = a.formats.allow_nonfinite;
  req.target = target;
  req.ctx = a.ctx;
  req.threads = a.threads;
  req.kv_f16 = kv_f16;
  req.external_weights = a.weights == "external";
  req.name = a.name;
  req.out_dir = a.out;
  req.cxx = a.cxx;
  req.cxxflags = a.cxxflags;
  req.tune = a.tune;
  req.emit_only = a.emit_only;
  req.words = {a.model, a.target, a.name, a.out, a.weights, a.tokenizer, a.cxx, a.cxxflags, a.ctx, a.web, ""};
  req.progress = cli::progress_bar;
  const CompiledEngine c = compile_model(req);
  const std::string& name = c.name;
  const std::string& out = c.out_dir;
  const EngineSources& e = c.sources;
  const EngineOptions& eo = c.options;
  const BuildResult& r = c.build;
  if (a.web) {
    const Tokenizer tok(ck.tokenizer);
    cli::WebPage w;
    w.dir = out;
    w.name = name;
    w.model = ck.name;
    w.format = plan->describe();
    w.target = target->name;
    w.vocab = ck.cfg.vocab_size;
    w.ctx = eo.ctx;
    w.bos = cli::run_bos_id(ck, tok);
    w.stop_ids = cli::run_stop_ids(ck, tok);
    w.prompt_after_bos = cli::prompt_text_after_bos(ck);
    cli::write_web_page(w);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // -o is any path: printable() keeps this one line.
  std::printf("smolc: %s %s %s for %s: weights %s, state %s%s%s in %.1f s -> %s\n",
              a.emit_only ? "emitted" : "compiled", name.c_str(), plan->describe().c_str(), target->name.c_str(),
              mb(c.weights.blob.size()).c_str(), mb(e.state_bytes).c_str(), a.emit_only ? "" : ", engine objects ",
              a.emit_only ? "" : mb(r.code_bytes).c_str(), secs, printable(out).c_str());
  if (a.web)
    std::printf(
        "smolc: the page is %s/index.html: serve the directory with any static file server "
        "(tools/wasm/serve.mjs; docs/targets.md#the-browser-page)\n",
        printable(out).c_str());
  return 0;
}

smolc::cli::Register reg(
    {"compile", "Compile a model into a static library engine", [](CLI::App& sub) {
       auto a = std::make_shared<Args>();
       sub.add_option("model", a->model, "Model path or name")->required();
       a->formats.add_to(sub);
       sub.add_option("--target", a->target,
                      "native|avx512|avx2|scalar|aarch64|aarch64-dotprod|aarch64-i8mm|cortex-m55|cortex-m7|cortex-m4|"
                      "wasm32|wasm32-simd128");
       smolc::cli::add_number(sub, "--ctx", a->ctx, "KV cache positions (default min(2048, the model's max_seq_len))",
                              0, smolc::cli::kIntMax);
       sub.add_option("--kv", a->kv, "KV cache element type: f32 (default) or f16");
       smolc::cli::add_number(sub, "--threads", a->threads, "default thread count of the engine (0: one per CPU)", 0,
                              64);
       sub.add_option("--name", a->name, "C prefix of the engine (default: model name + format)");
       sub.add_option("-o,--output", a->out, "Output directory (default: NAME)");
       sub.add_option("--weights", a->weights,
                      "embed (in .rodata; the default) or external (DIR/NAME.weights; always for wasm32*)");
       sub.add_option("--cxx", a->cxx,
                      "C++ compiler, optionally with flags (default clang++-19; arm-none-eabi-g++ for cortex-m*)");
       sub.add_option("--cxxflags", a->cxxflags,
                      "extra compiler flags for every unit, after the target's (e.g. '-mcpu=cortex-m7 -mthumb'); "
                      "also written into src/build.sh");
       sub.add_option("--tokenizer", a->tokenizer, "Tokenizer file (llama2.c models)");
       sub.add_option(
           "--tune", a->tune,
           "Tuning file of `smolc tune` for this target: kernel tiles per matrix shape, prefill step, attention block");
       sub.add_flag("--emit-only", a->emit_only, "Write sources and weights, do not compile");
       sub.add_flag(
           "--web", a->web,
           "wasm32 targets: also write the browser page (index.html, engine.json, NAME.wasm; docs/targets.md)");
       return std::function<int()>([a] { return run(*a); });
     }});

}  // namespace
