// `smolc bench MODEL --f32|--bf16|--f16|--q8|--q4|--q16 [--target T] [--threads N] [--reps R] [--ctx N] [--kv f32|f16]
//  [--speculate [N]] [--runner CMD] [--json]`:
// compiles the model into the engine cache if needed, links the bench runner
// against it and reports prefill, decode, time to first token, peak RSS and
// weight bytes (medians over the repetitions); with --speculate, plain against
// prompt-lookup speculative greedy generation on a free and a repetitive task.
// The runner is an executable, so a target this CPU cannot run (aarch64 on
// x86) runs through `--runner CMD` (CMD RUNNER THREADS REPS [MAX_DRAFT]), by
// default qemu-aarch64 when installed.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "bench/bench_runner.h"
#include "bench/cache_store.h"
#include "bench/engine_cache.h"
#include "cli/command.h"
#include "cli/engine_pipe.h"
#include "cli/format_flags.h"
#include "cli/number_option.h"
#include "cli/progress.h"
#include "common/median.h"
#include "emit/kernel_api.h"
#include "frontend/error.h"
#include "package/shell.h"
#include "schedule/schedule.h"

namespace {

using smolc::median;

struct BenchArgs {
  std::string model, target = "native", cxx = "clang++-19", tokenizer, kv = "f32", runner, tune;
  smolc::cli::FormatFlags formats;
  bool json = false, prepare = false;
  int threads = 1, reps = 5, ctx = 0, speculate = 0;
};

std::string run_capture(const std::string& cmd, int& rc) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::array<char, 4096> buf;
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) out.append(buf.data(), n);
  const int st = ::pclose(p);
  rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return out;
}

// Medians, acceptance and tokens per step of one speculation task from the
// runner's raw numbers. Different tokens with and without speculation would
// be a smolc bug, not bad input.
nlohmann::json speculation_task(const nlohmann::json& t) {
  if (!t.at("identical").get<bool>())
    throw std::runtime_error("speculative generation produced different tokens than plain greedy decoding");
  const double plain = median(t.at("plain").get<std::vector<double>>());
  const double spec = median(t.at("speculative").get<std::vector<double>>());
  const double drafted = t.at("drafted").get<double>(), accepted = t.at("accepted").get<double>();
  nlohmann::json o;
  o["plain_tok_s"] = plain;
  o["speculative_tok_s"] = spec;
  o["ratio"] = spec / plain;
  o["acceptance"] = drafted > 0 ? accepted / drafted : 0.0;
  o["tokens_per_step"] = t.at("generated").get<double>() / std::max(1.0, t.at("steps").get<double>());
  o["prompt_tokens"] = t.at("prompt_tokens");
  o["tokens"] = t.at("tokens");
  o["runs"] = {{"plain", t.at("plain")}, {"speculative", t.at("speculative")}};
  return o;
}

nlohmann::json speculation_json(const nlohmann::json& s) {
  return {{"max_draft", s.at("max_draft")},
          {"free", speculation_task(s.at("free"))},
          {"repetitive", speculation_task(s.at("repetitive"))}};
}

void print_speculation(const nlohmann::json& s) {
  std::printf("  speculation, greedy, longest guess %d (same tokens as plain decoding, checked):\n",
              s["max_draft"].get<int>());
  std::printf("  %-12s %12s %12s %7s %10s %11s\n", "task", "plain tok/s", "spec tok/s", "ratio", "accepted",
              "tokens/step");
  for (const char* task : {"free", "repetitive"}) {
    const nlohmann::json& t = s[task];
    std::printf("  %-12s %12.1f %12.1f %6.2fx %9.0f%% %11.2f\n", task, t["plain_tok_s"].get<double>(),
                t["speculative_tok_s"].get<double>(), t["ratio"].get<double>(), 100 * t["acceptance"].get<double>(),
                t["tokens_per_step"].get<double>());
  }
}

// `smolc bench DIR` with DIR from `smolc compile -o DIR`: that engine, as
// compiled; a format flag, if given, must be its format.
smolc::CachedEngine compiled_dir(const BenchArgs& a, const CLI::App& app) {
  using namespace smolc;
  CachedEngine e = open_engine_dir(a.model);
  const std::string manifest = a.model + "/manifest.json";
  const std::optional<schedule::FormatPlan> plan = a.formats.plan();
  if (plan && plan->describe() != e.format)
    throw InputError(manifest, "format", "the engine is " + e.format + ", not " + plan->describe());
  for (const char* opt : {"--target", "--ctx", "--kv", "--allow-nonfinite", "--tokenizer"})
    if (app.count(opt) > 0)
      throw InputError(opt, "",
                       "does not apply to a compiled directory (" + a.model + "): it is fixed at compile time");
  if (e.ctx < bench::kMinScaledCtx)
    throw InputError(manifest, "ctx",
                     "the engine holds " + std::to_string(e.ctx) + " positions; bench needs at least " +
                         std::to_string(bench::kMinScaledCtx));
  return e;
}

int run(const BenchArgs& a, const CLI::App& app) {
  using namespace smolc;
  const bool dir = is_engine_dir(a.model);
  std::optional<CachedEngine> given;
  if (dir) given = compiled_dir(a, app);
  const std::optional<schedule::FormatPlan> plan = a.formats.plan();
  if (!plan && !dir) throw InputError("command line", "format", "give one of --f32, --bf16, --f16, --q8, --q4, --q16");
  if (a.ctx != 0 && a.ctx < bench::kMinScaledCtx)
    throw InputError("command line", "--ctx",
                     "expected at least " + std::to_string(bench::kMinScaledCtx) + " (default " +
                         std::to_string(bench::kMinCtx) + ": a 512-token prompt plus 128 decoded tokens)");
  if (a.speculate > 0 && a.ctx != 0 && a.ctx < bench::kSpecCtx)
    throw InputError("--speculate", "",
                     "its tasks need a context of " + std::to_string(bench::kSpecCtx) + " positions; --ctx is " +
                         std::to_string(a.ctx));
  // The engine runs here unless a runner command runs it elsewhere (an
  // emulator, a board); without one, an aarch64 engine on another host runs
  // under qemu-aarch64 when it is installed, else the target must run here.
  const schedule::TargetDesc* target =
      given ? &engine_dir_target(*given, false) : &schedule::target_flag(a.target, false);
  // The bench runner is a hosted program: a bare-metal engine has no place
  // to run it (docs/firmware.md measures those in instructions instead).
  if (target->bare_metal()) target = given ? &engine_dir_target(*given, true) : &schedule::target_flag(a.target, true);
  std::string runner_cmd = a.runner;
  if (runner_cmd.empty() && (target->wasm() || !host_supports(target->isa))) {
    runner_cmd = smolc::cli::default_runner(*target);
    if (runner_cmd.empty())  // "cannot run on this CPU", exit code 2
      target = given ? &engine_dir_target(*given, true) : &schedule::target_flag(a.target, true);
  }
  const bool emulated = smolc::cli::runner_emulates(runner_cmd);
  if (emulated)
    std::fprintf(stderr, "smolc bench: running the %s engine under `%s`: timings under emulation are not speeds\n",
                 target->name.c_str(), runner_cmd.c_str());

  CachedEngine e;
  if (given) {
    e = *given;
  } else {
    CacheRequest req;
    req.model = a.model;
    req.tokenizer = a.tokenizer;
    req.formats = *plan;
    req.allow_nonfinite = a.formats.allow_nonfinite;
    req.target = target->name;
    req.ctx = a.ctx ? a.ctx : bench::kMinCtx;
    req.clamp_ctx = a.ctx == 0;  // a model with a shorter context is measured at smaller lengths
    req.kv_f16 = cli::kv_f16_flag(a.kv);
    req.cxx = a.cxx;
    req.tune = a.tune;
    e = compile_cached(req, smolc::cli::progress_bar);
    smolc::cli::note_evictions(e.evicted);
  }
  if (a.speculate > 0 && e.ctx < bench::kSpecCtx)  // a model whose max_seq_len is shorter
    throw InputError("--speculate", "",
                     "its tasks need a context of " + std::to_string(bench::kSpecCtx) + " positions; the engine has " +
                         std::to_string(e.ctx));
  const bench::Lengths len = bench::lengths_for(e.ctx);
  // A compiled directory stays as the user left it: its runner goes to the cache.
  const std::string runner =
      given ? bench::build_runner(e, a.cxx, target->triple, linked_root(), engine_dir_link_key(e, a.cxx))
            : bench::build_runner(e, a.cxx, target->triple);
  if (given) cli::note_evictions(admit_cache_entry(cache_root(), std::filesystem::path(runner).parent_path().string()));
  if (a.prepare) {
    std::printf("%s\n", e.dir.c_str());
    return 0;
  }

  int rc = 0;
  // An external-weights engine's runner (every wasm one) reads the engine's
  // weights file from $SMOLC_WEIGHTS.
  const std::string weights_env =
      e.external_weights ? "SMOLC_WEIGHTS=" + shell_quote(e.dir + "/" + e.name + ".weights") + " " : std::string();
  const std::string out = run_capture(weights_env + (runner_cmd.empty() ? "" : runner_cmd + " ") + "'" + runner + "' " +
                                          std::to_string(a.threads) + " " + std::to_string(a.reps) +
                                          (a.speculate > 0 ? " " + std::to_string(a.speculate) : ""),
                                      rc);
  if (rc == 3)  // the runner found NaN/Inf logits: the model's numbers, not a smolc bug
    throw InputError(a.model, "logits",
                     "the compiled engine computes NaN/Inf logits, so there is nothing to measure (its weights hold "
                     "non-finite values or values its format cannot store; see --allow-nonfinite)");
  if (rc != 0) throw std::runtime_error("the bench runner " + runner + " exited with code " + std::to_string(rc));
  const nlohmann::json r = nlohmann::json::parse(out);

  nlohmann::json j;
  for (const char* k : {"pp128", "pp512", "tg128", "tg128_d512", "ttft_ms"})
    j[k] = median(r.at(k).get<std::vector<double>>());
  j["peak_rss_mb"] = r.at("peak_rss_kb").get<double>() * 1024 / 1e6;
  j["weights_mb"] = r.at("weights_bytes").get<double>() / 1e6;
  j["state_mb"] = r.at("state_bytes").get<double>() / 1e6;
  // Mean KV cache bytes one decoded token reads: positions d..d+127 attend over d+1..d+128 cached positions.
  const double kv_pos = r.at("kv_bytes_per_pos").get<double>();
  j["kv_read_mb_tg128"] = kv_pos * (len.decode / 2.0 + 0.5) / 1e6;
  j["kv_read_mb_tg128_d512"] = kv_pos * (len.prompt_long + len.decode / 2.0 + 0.5) / 1e6;
  // The keys keep the standard names; these are the lengths they measured.
  j["lengths"] = {{"prompt_short", len.prompt_short}, {"prompt_long", len.prompt_long}, {"decode", len.decode}};
  j["lengths_scaled"] = len.scaled;
  j["kv"] = e.kv_f16 ? "f16" : "f32";
  j["format"] = e.format;
  j["target"] = e.target;
  j["threads"] = a.threads;
  j["tune"] = a.tune;
  j["runner"] = runner_cmd;
  j["emulated"] = emulated;  // qemu: the numbers are not speeds
  j["reps"] = a.reps;
  j["ctx"] = e.ctx;
  j["engine"] = e.name;
  j["engine_dir"] = e.dir;
  j["compiled"] = !e.reused;
  j["compile_s"] = e.compile_seconds;
  j["runs"] = {{"pp128", r["pp128"]},
               {"pp512", r["pp512"]},
               {"tg128", r["tg128"]},
               {"tg128_d512", r["tg128_d512"]},
               {"ttft_ms", r["ttft_ms"]}};
  if (a.speculate > 0) j["speculation"] = speculation_json(r.at("speculation"));
  if (a.json) {
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  auto range = [&](const char* k) {
    const auto v = r.at(k).get<std::vector<double>>();
    char b[64];
    std::snprintf(b, sizeof b, "%.1f .. %.1f", *std::min_element(v.begin(), v.end()),
                  *std::max_element(v.begin(), v.end()));
    return std::string(b);
  };
  std::printf(
      "smolc bench: %s (%s, %s, %d thread%s, median of %d)%s\n", e.name.c_str(), e.format.c_str(), e.target.c_str(),
      a.threads, a.threads == 1 ? "" : "s", a.reps,
      e.reused ? "" : (" compiled in " + std::to_string(static_cast<int>(e.compile_seconds + 0.5)) + " s").c_str());
  if (emulated) std::printf("  run under `%s`: emulated timings, NOT speeds\n", runner_cmd.c_str());
  if (len.scaled)
    std::printf("  context %d < %d: lengths scaled to fit it (prompts %d and %d tokens, %d decoded)\n", e.ctx,
                bench::kMinCtx, len.prompt_short, len.prompt_long, len.decode);
  auto label = [](const char* fmt, int a_len, int b_len) {
    char b[40];
    std::snprintf(b, sizeof b, fmt, a_len, b_len);
    return std::string(b);
  };
  std::printf("  %-22s %10s   %s\n", "measurement", "median", "range");
  std::printf("  %-22s %10.1f   %s\n", label("pp%d (tokens/s)", len.prompt_short, 0).c_str(), j["pp128"].get<double>(),
              range("pp128").c_str());
  std::printf("  %-22s %10.1f   %s\n", label("pp%d (tokens/s)", len.prompt_long, 0).c_str(), j["pp512"].get<double>(),
              range("pp512").c_str());
  std::printf("  %-22s %10.1f   %s\n", label("tg%d (tokens/s)", len.decode, 0).c_str(), j["tg128"].get<double>(),
              range("tg128").c_str());
  std::printf("  %-22s %10.1f   %s\n", label("tg%d @ d%d (tok/s)", len.decode, len.prompt_long).c_str(),
              j["tg128_d512"].get<double>(), range("tg128_d512").c_str());
  std::printf("  %-22s %10.1f   %s\n", label("ttft, %d tokens (ms)", len.prompt_short, 0).c_str(),
              j["ttft_ms"].get<double>(), range("ttft_ms").c_str());
  std::printf("  %-22s %10.1f\n", "peak RSS (MB)", j["peak_rss_mb"].get<double>());
  std::printf("  %-22s %10.1f\n", "weights (MB)", j["weights_mb"].get<double>());
  if (a.speculate > 0) print_speculation(j["speculation"]);
  return 0;
}

smolc::cli::Register reg(
    {"bench", "Measure a compiled engine: prefill, decode, time to first token, memory", [](CLI::App& sub) {
       auto a = std::make_shared<BenchArgs>();
       sub.add_option("model", a->model,
                      "Model path or name, or a `smolc compile` output directory (benchmarked as compiled)")
           ->required();
       a->formats.add_to(sub);
       sub.add_option(
           "--target", a->target,
           "native|avx512|avx2|scalar|aarch64|aarch64-dotprod|aarch64-i8mm (one this CPU runs, or with --runner)");
       sub.add_option("--runner", a->runner,
                      "command that runs the bench executable (CMD EXE THREADS REPS), e.g. 'qemu-aarch64 -cpu max' or "
                      "bench/aarch64/ssh_runner.sh pi@board; default for aarch64 on another host: qemu-aarch64 -cpu "
                      "max if installed");
       smolc::cli::add_number(sub, "--threads", a->threads, "threads the engine uses (default 1)", 1, 64);
       smolc::cli::add_number(sub, "--reps", a->reps,
                              "timed repetitions after one warm-up; medians are reported (default 5)", 1, 1000);
       sub.add_option("--kv", a->kv,
                      "KV cache element type of the benchmarked engine: f32 (default, as llama.cpp is run) or f16");
       smolc::cli::add_number(sub, "--ctx", a->ctx,
                              "KV cache positions of the benchmarked engine (default 640, the least it needs)", 0,
                              smolc::cli::kIntMax);
       sub.add_option("--cxx", a->cxx, "C++ compiler (default clang++-19)");
       sub.add_option("--tokenizer", a->tokenizer, "Tokenizer file (llama2.c models)");
       sub.add_option("--tune", a->tune, "Tuning file of `smolc tune`: benchmark the engine compiled with it");
       sub.add_option(
              "--speculate", a->speculate,
              "also time prompt-lookup speculative against plain greedy generation, guessing up to N tokens per step "
              "(default 8; a free and a repetitive task, docs/speculative.md)")
           ->expected(0, 1)
           ->default_str("8")
           ->check(smolc::cli::number_in<int>(1, 64));
       sub.add_flag("--json", a->json, "print one JSON object");
       sub.add_flag("--prepare", a->prepare,
                    "only compile the engine and runner (into the cache) and print the engine directory");
       return std::function<int()>([a, &sub] { return run(*a, sub); });
     }});

}  // namespace
