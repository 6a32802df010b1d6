// `smolc compile MODEL --f32|--bf16|--f16|--q8|--q4|--q16 ...`: the whole pipeline, from a
// checkpoint to DIR/{include,lib,src,manifest.json}.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "build/build_engine.h"
#include "cli/command.h"
#include "common/escape.h"
#include "cli/format_flags.h"
#include "cli/number_option.h"
#include "cli/generate.h"
#include "cli/progress.h"
#include "cli/web_page.h"
#include "emit/engine_emitter.h"
#include "emit/engine_names.h"
#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "ir/graph.h"
#include "passes/passes.h"
#include "schedule/schedule.h"
#include "tune/tuning.h"

namespace {

struct Args {
  std::string model, name, out, target = "native", weights, kv = "f32", cxx, cxxflags, tokenizer, tune;  // cxx "": the target's
  smolc::cli::FormatFlags formats;
  bool emit_only = false;
  bool web = false;  // also write the browser page (cli/web_page.h)
  int ctx = 0, threads = 0;
};

// The command as the user could retype it (every free word shell-quoted when
// it needs to be), noted in every generated file through its escaper.
std::string command_line(const Args& a) {
  using smolc::shell_word;
  std::string c = "smolc compile " + shell_word(a.model) + a.formats.command_text() + " --target " + shell_word(a.target);
  if (a.ctx) c += " --ctx " + std::to_string(a.ctx);
  if (a.threads) c += " --threads " + std::to_string(a.threads);
  if (!a.name.empty()) c += " --name " + shell_word(a.name);
  if (!a.out.empty()) c += " -o " + shell_word(a.out);
  if (!a.weights.empty()) c += " --weights " + shell_word(a.weights);
  if (a.kv != "f32") c += " --kv " + shell_word(a.kv);
  if (!a.tokenizer.empty()) c += " --tokenizer " + shell_word(a.tokenizer);
  if (!a.cxx.empty()) c += " --cxx " + shell_word(a.cxx);
  if (!a.cxxflags.empty()) c += " --cxxflags " + shell_word(a.cxxflags);
  if (!a.tune.empty()) c += " --tune " + shell_word(a.tune);
  if (a.web) c += " --web";
  return c;
}

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
  const WFormat fmt = plan->base;
  if (!a.weights.empty() && a.weights != "embed" && a.weights != "external")
    throw InputError("command line", "--weights", "'" + a.weights + "' is not embed or external");
  const bool kv_f16 = cli::kv_f16_flag(a.kv);
  const schedule::TargetDesc* target = &schedule::target_flag(a.target, false);
  if (target->wasm() && a.weights == "embed")
    throw InputError("command line", "--weights", "a " + target->name + " engine always reads DIR/NAME.weights "
                     "(the module and the page fetch it; docs/targets.md#wasm32-and-wasm32-simd128)");
  if (a.web) cli::check_web_target(*target, a.emit_only);

  // Every format compiles for every core, but on a microcontroller some cost
  // far more than others: say so before the user flashes it (docs/firmware.md).
  if (target->bare_metal() && (fmt == WFormat::BF16 || fmt == WFormat::F16 || fmt == WFormat::Q16 ||
                               (target->name != "cortex-m55" && is_quantized(fmt))))
    std::fprintf(stderr, "smolc: note: %s runs %s on the portable scalar kernels%s (docs/firmware.md)\n",
                 target->name.c_str(), wformat_name(fmt),
                 fmt == WFormat::BF16 || fmt == WFormat::F16 ? ", widening every weight in software" : "");
  Checkpoint ck = load_checkpoint(a.model, a.tokenizer);
  if (a.web) cli::check_web_model(ck.tokenizer.kind != TokenizerData::Kind::None);
  const std::string name = a.name.empty() ? sanitize_c_identifier(ck.name + "_" + wformat_name(fmt)) : a.name;
  validate_engine_name(name);
  const std::string out = a.out.empty() ? name : a.out;

  ir::Graph g = passes::run_all(ir::build_llama_graph(ck.cfg), target->gate_up_block, schedule::fold_norm_gains(*plan));
  schedule::Schedule s = schedule::make_schedule(g, *target, *plan);
  if (!a.tune.empty()) tune::apply_tuning(s, g, tune::load_for_target(a.tune, *target), a.tune);
  EngineOptions eo;
  eo.name = name;
  eo.command = command_line(a);
  eo.ctx = a.ctx ? a.ctx : static_cast<int>(std::min<int64_t>(2048, ck.cfg.max_seq_len));
  eo.threads = a.threads;
  eo.external_weights = a.weights == "external" || target->wasm();
  eo.kv_f16 = kv_f16;
  eo.allow_nonfinite = a.formats.allow_nonfinite;
  eo.format_text = plan->describe();
  eo.calibration_progress = [](size_t d, size_t t) { smolc::cli::progress_bar("calibrating", d, t); };
  EngineSources e = emit_engine(ck, g, s, eo, [](size_t d, size_t t) { smolc::cli::progress_bar("packing", d, t); });

  BuildOptions bo;
  bo.out_dir = out;
  bo.cxx = a.cxx.empty() ? target->cxx : a.cxx;
  bo.cxxflags = a.cxxflags;
  bo.hosted = !target->bare_metal();
  bo.ar = target->ar;
  bo.unit_flags = target->unit_flags;
  bo.emit_only = a.emit_only;
  bo.model_name = ck.name;
  bo.model_path = ck.path;
  bo.format = plan->describe();
  bo.target = target->name;
  bo.triple = target->triple;
  bo.source_sha256 = std::filesystem::is_regular_file(ck.path) ? sha256_file(ck.path) : std::string();
  if (bo.source_sha256.empty())
    for (const auto& f : ck.files) bo.source_sha256 += (bo.source_sha256.empty() ? "" : ",") + sha256_file(f->path());
  bo.tuning_sha256 = a.tune.empty() ? "" : tune::tuning_hash(a.tune);
  bo.progress = [](size_t d, size_t t) { smolc::cli::progress_bar("compiling", d, t); };
  BuildResult r = build_engine(e, eo, bo);
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
  std::printf("smolc: %s %s %s for %s: weights %s, state %s%s%s in %.1f s -> %s\n", a.emit_only ? "emitted" : "compiled",
              name.c_str(), plan->describe().c_str(), target->name.c_str(), mb(e.weights.size()).c_str(),
              mb(e.state_bytes).c_str(), a.emit_only ? "" : ", engine objects ",
              a.emit_only ? "" : mb(r.code_bytes).c_str(), secs, printable(out).c_str());
  if (a.web)
    std::printf("smolc: the page is %s/index.html: serve the directory with any static file server "
                "(tools/wasm/serve.mjs; docs/targets.md#the-browser-page)\n", printable(out).c_str());
  return 0;
}

smolc::cli::Register reg({"compile", "Compile a model into a static library engine", [](CLI::App& sub) {
  auto a = std::make_shared<Args>();
  sub.add_option("model", a->model, "Model path or name")->required();
  a->formats.add_to(sub);
  sub.add_option("--target", a->target, "native|avx512|avx2|scalar|aarch64|aarch64-dotprod|aarch64-i8mm|cortex-m55|cortex-m7|cortex-m4|wasm32|wasm32-simd128");
  smolc::cli::add_number(sub, "--ctx", a->ctx, "KV cache positions (default min(2048, the model's max_seq_len))", 0, smolc::cli::kIntMax);
  sub.add_option("--kv", a->kv, "KV cache element type: f32 (default) or f16");
  smolc::cli::add_number(sub, "--threads", a->threads, "default thread count of the engine (0: one per CPU)", 0, 64);
  sub.add_option("--name", a->name, "C prefix of the engine (default: model name + format)");
  sub.add_option("-o,--output", a->out, "Output directory (default: NAME)");
  sub.add_option("--weights", a->weights, "embed (in .rodata; the default) or external (DIR/NAME.weights; always for wasm32*)");
  sub.add_option("--cxx", a->cxx, "C++ compiler, optionally with flags (default clang++-19; arm-none-eabi-g++ for cortex-m*)");
  sub.add_option("--cxxflags", a->cxxflags,
                 "extra compiler flags for every unit, after the target's (e.g. '-mcpu=cortex-m7 -mthumb'); "
                 "also written into src/build.sh");
  sub.add_option("--tokenizer", a->tokenizer, "Tokenizer file (llama2.c models)");
  sub.add_option("--tune", a->tune, "Tuning file of `smolc tune` for this target: kernel tiles per matrix shape, prefill step, attention block");
  sub.add_flag("--emit-only", a->emit_only, "Write sources and weights, do not compile");
  sub.add_flag("--web", a->web,
               "wasm32 targets: also write the browser page (index.html, engine.json, NAME.wasm; docs/targets.md)");
  return std::function<int()>([a] {
    return run(*a);
  });
}});

}  // namespace
