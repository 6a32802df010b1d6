// `smolc tune MODEL --q8 ...`: times the schedule's kernel choices for every
// matrix shape of the model on this CPU (or a board through --runner, or from
// a probe's output with --from-probe) and writes a tuning file for
// `smolc compile --tune` (docs/compiler.md, "Tuning").
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "cli/command.h"
#include "cli/format_flags.h"
#include "cli/number_option.h"
#include "cli/progress.h"
#include "common/escape.h"
#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "passes/passes.h"
#include "schedule/schedule.h"
#include "tune/search.h"
#include "tune/tuning.h"
#include "tune/verify.h"

namespace {

namespace fs = std::filesystem;

struct Args {
  std::string model, target = "native", runner, out = "tune.json", from_probe, probe_dir, tokenizer;
  std::string cxx;  // "": the target's
  smolc::cli::FormatFlags formats;
  int threads = 1;
  double budget = 180;
  bool no_verify = false;
  int verify_rounds = 3;
  std::vector<int> verify_threads;  // empty: --threads
};

// Runs the probe (behind the runner prefix), drawing progress per timed candidate.
std::string run_probe(const std::string& cmd, size_t candidates) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  size_t done = 0;
  char line[8192];
  while (std::fgets(line, sizeof line, p)) {
    out += line;
    if (line[0] != '#') smolc::cli::progress_bar("timing", ++done, candidates);
  }
  const int st = ::pclose(p);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    throw std::runtime_error("the tune probe failed (" + cmd + "), exit status " + std::to_string(WEXITSTATUS(st)));
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw smolc::InputError(path, "", "cannot open the probe output");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string self_exe() {
  char self[4096];
  const ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) throw std::runtime_error("cannot find the smolc executable (/proc/self/exe)");
  return std::string(self, size_t(len));
}

// One `smolc bench --reps 1 --json` of the default or the tuned engine: the
// same path, cache and engines `smolc bench --tune` uses afterwards.
smolc::tune::VerifyRun bench_once(const Args& a, const smolc::schedule::FormatPlan& plan, const std::string& target,
                                  const std::string& tune_file, int threads) {
  using smolc::shell_quote;
  std::string cmd = shell_quote(self_exe()) + " bench " + shell_quote(a.model) + plan.command_flags() + " --target " +
                    shell_quote(target) + " --threads " + std::to_string(threads) + " --reps 1 --json";
  if (!a.tokenizer.empty()) cmd += " --tokenizer " + shell_quote(a.tokenizer);
  if (!a.cxx.empty()) cmd += " --cxx " + shell_quote(a.cxx);
  if (!a.runner.empty()) cmd += " --runner " + shell_quote(a.runner);
  if (!tune_file.empty()) cmd += " --tune " + shell_quote(tune_file);
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  std::array<char, 4096> buf;
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) out.append(buf.data(), n);
  const int st = ::pclose(p);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    throw std::runtime_error("verifying the tuned engine: `" + cmd + "` failed, exit status " +
                             std::to_string(WEXITSTATUS(st)));
  const nlohmann::json j = nlohmann::json::parse(out);
  smolc::tune::VerifyRun r;
  r.pp512 = j.at("pp512").get<double>();
  r.tg128 = j.at("tg128").get<double>();
  r.tg128_d512 = j.at("tg128_d512").get<double>();
  return r;
}

void print_verification(const smolc::tune::Verification& v) {
  if (!v.ran) {
    std::printf("verification: not run (%s)\n", v.note.c_str());
    return;
  }
  std::string threads;
  for (int n : v.threads) threads += (threads.empty() ? "" : ",") + std::to_string(n);
  std::printf(
      "verification (smolc bench of the whole engines, %d rounds interleaved, %s thread%s; tokens/s, "
      "tuned / default of the medians):\n",
      v.rounds, threads.c_str(), v.threads.size() == 1 && v.threads[0] == 1 ? "" : "s");
  for (size_t i = 0; i < v.stages.size(); ++i)
    std::printf("  stage %zu: prefill (pp512) %.3f, decode (the lesser of tg128, tg128 @ d512) %.3f\n", i + 1,
                v.stages[i].prefill, v.stages[i].decode);
  std::printf(
      "  prefill choices: %s, decode choices: %s (kept: %.0f%% faster; the other phase no more than %.0f%% "
      "slower)\n",
      v.prefill.c_str(), v.decode.c_str(), 100 * smolc::tune::kMargin, 100 * smolc::tune::kMargin);
}

void print_table(const smolc::tune::Tuning& t) {
  std::printf("%-6s %-12s %10s %10s %10s %10s  %s\n", "format", "shape MxK", "gemv def", "gemv best", "gemm def",
              "gemm best", "choice (default)");
  for (const auto& s : t.shapes) {
    const std::string shape = std::to_string(s.M) + "x" + std::to_string(s.K);
    std::printf("%-6s %-12s %8.1fus %8.1fus %8.1fus %8.1fus  %dr%dt (%dr%dt)%s\n", smolc::format_name(s.fmt),
                shape.c_str(), s.gemv_default_ns / 1e3, s.gemv_ns / 1e3, s.gemm_default_ns / 1e3, s.gemm_ns / 1e3,
                s.tile_m, s.tile_n, s.default_tile_m, s.default_tile_n,
                s.tile_m == s.default_tile_m && s.tile_n == s.default_tile_n ? "  default kept" : "");
  }
  std::printf("times: median per call; gemv %d thread share of rows, cold weights; gemm %d tokens, hot\n", t.threads,
              t.tokens);
  std::printf("prefill step (tokens per forward step; the prefill projections' gemms, cold weights, per token):\n");
  for (const auto& p : t.prefill_steps)
    std::printf("  %4d tokens %10.1f ns/token%s%s\n", p.tokens, p.ns_per_token,
                p.tokens == t.default_prefill_tokens ? "  (default)" : "",
                p.tokens == t.prefill_tokens ? "  <- chosen" : "");
  std::printf("attention, decode block (one layer, one thread, 1 token at position %d, KV cache cold):\n",
              t.attn_decode_pos);
  std::vector<int> rows_seen;
  for (const auto& x : t.attn_times) {
    if (x.decode_ns <= 0 || std::find(rows_seen.begin(), rows_seen.end(), x.rows) != rows_seen.end()) continue;
    rows_seen.push_back(x.rows);
    std::printf("  %3d rows  %8.1fus%s%s\n", x.rows, x.decode_ns / 1e3,
                x.rows == t.default_attn_decode_rows ? "  (default)" : "",
                x.rows == t.attn_decode_rows ? "  <- chosen" : "");
  }
  std::printf("attention, prefill block (one layer, one thread, %d tokens at position %d):\n", t.attn_prefill_tokens,
              t.attn_prefill_pos);
  for (const auto& x : t.attn_times) {
    const bool def = x.rows == t.default_attn_rows && x.tokens == t.default_attn_tokens;
    const bool chosen = x.rows == t.attn_rows && x.tokens == t.attn_tokens;
    std::printf("  %3d rows x %d tokens  %8.1fus%s%s\n", x.rows, x.tokens, x.prefill_ns / 1e3, def ? "  (default)" : "",
                chosen ? "  <- chosen" : "");
  }
  std::printf("a choice other than the default is %.0f%% faster where it changes the engine and no slower elsewhere\n",
              100 * smolc::tune::kMargin);
}

int run(const Args& a) {
  using namespace smolc;
  const std::optional<schedule::FormatPlan> plan = a.formats.plan();
  if (!plan) throw InputError("command line", "format", "give one of --f32, --bf16, --f16, --q8, --q4, --q16");
  const schedule::TargetDesc* target = &schedule::target_flag(a.target, false);
  if (target->bare_metal())
    throw InputError("command line", "--target",
                     "'" + target->name +
                         "' is bare metal: the tune probe is a hosted "
                         "program (docs/compiler.md, \"Tuning\")");
  if (a.budget < 1) throw InputError("command line", "--budget", "expected at least 1 second");
  const bool emulated = a.runner.find("qemu") != std::string::npos;
  if (emulated)
    std::fprintf(stderr,
                 "smolc tune: WARNING: the runner `%s` is an emulator: its times are NOT speeds of any CPU; "
                 "the file is marked \"emulated\": true and compile warns when it reads it\n",
                 a.runner.c_str());

  Checkpoint ck = load_checkpoint(a.model, a.tokenizer);
  ir::Graph g = passes::run_all(ir::build_llama_graph(ck.cfg), target->gate_up_block, schedule::fold_norm_gains(*plan));
  const schedule::Schedule s = schedule::make_schedule(g, *target, *plan);
  tune::Search search = tune::plan_search(s, ck.cfg, a.threads, a.budget);

  tune::Tuning t;
  t.target = target->name;
  t.smolc_version = SMOLC_VERSION;
  t.model = ck.name;
  t.format = plan->describe();
  t.threads = a.threads;
  t.tokens = search.tokens;
  t.runner = a.runner;
  t.emulated = emulated;
  std::string output, source;
  if (!a.from_probe.empty()) {
    output = slurp(a.from_probe);
    source = a.from_probe;
  } else {
    const std::string dir = a.probe_dir.empty() ? a.out + ".probe" : a.probe_dir;
    const std::string probe =
        tune::build_probe(search, *target, a.cxx.empty() ? target->cxx : a.cxx, dir, ck.name, plan->describe(),
                          [](size_t d, size_t n) { cli::progress_bar("compiling", d, n); });
    const std::string args = tune::probe_args(a.runner.empty() ? tune::host_cpu_info().l3_bytes : 0);
    if (a.runner.empty() && !host_supports(target->isa)) {
      std::printf(
          "smolc tune: this CPU cannot run %s code. Copy %s to the board and run there\n"
          "  ./tune-probe %s > probe.txt\nthen read its times back with\n"
          "  smolc tune %s%s --target %s --threads %d --budget %g -o %s --from-probe probe.txt\n",
          target->name.c_str(), shell_word(probe).c_str(), args.c_str(), shell_word(a.model).c_str(),
          plan->command_flags().c_str(), target->name.c_str(), a.threads, a.budget, shell_word(a.out).c_str());
      return 0;
    }
    output =
        run_probe((a.runner.empty() ? "" : a.runner + " ") + shell_quote(probe) + " " + args, search.candidates.size());
    source = probe;
  }
  tune::read_probe_output(search, output, source, t.cpu);
  tune::choose(search);
  t.shapes = search.shapes;
  t.prefill_tokens = search.step;
  t.default_prefill_tokens = search.tokens;
  t.prefill_steps = search.step_times;
  t.attn_rows = search.attn_rows;
  t.attn_tokens = search.attn_tokens;
  t.attn_decode_rows = search.attn_decode_rows;
  t.default_attn_rows = s.attn_rows;
  t.default_attn_tokens = s.attn_tokens;
  t.default_attn_decode_rows = s.attn_decode_rows;
  t.attn_decode_pos = search.attn_decode_pos;
  t.attn_prefill_pos = search.attn_prefill_pos;
  t.attn_prefill_tokens = search.tokens;
  t.attn_times = search.attn_times;
  // The kernels' times cannot see the whole engine; the engines are timed
  // here, unless they cannot be (docs/compiler.md, "Tuning").
  t.verification.note = a.no_verify             ? "--no-verify"
                        : !a.from_probe.empty() ? "times read from a probe's output: the engines did not run here"
                        : emulated              ? "the runner is an emulator: its times are not speeds"
                                                : "";
  if (t.verification.note.empty()) {
    const std::vector<int> threads = a.verify_threads.empty() ? std::vector<int>{a.threads} : a.verify_threads;
    const std::string dir = (a.probe_dir.empty() ? a.out + ".probe" : a.probe_dir);
    const auto t0 = std::chrono::steady_clock::now();
    tune::verify(
        t, dir, a.verify_rounds, threads,
        [&](const std::string& file, int n) { return bench_once(a, *plan, target->name, file, n); },
        [](size_t d, size_t n) { cli::progress_bar("verifying", d, n); });
    if (t.verification.ran)
      std::fprintf(stderr, "smolc tune: verified in %.0f s\n",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  tune::write_tuning(t, a.out);
  print_table(t);
  print_verification(t.verification);
  std::printf("smolc tune: %zu candidates of %zu shapes timed on %s -> %s\n", search.candidates.size(),
              search.shapes.size(), printable(t.cpu.model).c_str(), printable(a.out).c_str());
  return 0;
}

smolc::cli::Register reg(
    {"tune",
     "Time the kernel choices per matrix shape, the prefill step and the attention blocks, and write a tuning file for "
     "compile --tune",
     [](CLI::App& sub) {
       auto a = std::make_shared<Args>();
       sub.add_option("model", a->model, "Model path or name")->required();
       a->formats.add_to(sub);
       sub.add_option("--target", a->target, "native|avx512|avx2|scalar|aarch64|aarch64-dotprod|aarch64-i8mm");
       smolc::cli::add_number(sub, "--threads", a->threads,
                              "threads the engine will run: each timed call computes a thread's share of rows", 1, 64);
       sub.add_option("--runner", a->runner,
                      "command prefix that runs the probe on the device (e.g. 'ssh pi@board', an adb shell)");
       smolc::cli::add_number(sub, "--budget", a->budget,
                              "seconds the search may take (estimated; the defaults are always timed)", 1.0, 86400.0);
       sub.add_option("-o,--output", a->out, "the tuning file to write (default tune.json)");
       sub.add_option("--from-probe", a->from_probe,
                      "read the times from a tune-probe's output (run on a board) instead of running it");
       sub.add_option("--probe-dir", a->probe_dir, "where the probe is built (default OUTPUT.probe)");
       sub.add_option("--cxx", a->cxx, "C++ compiler for the probe (default: the target's, clang++-19)");
       sub.add_option("--tokenizer", a->tokenizer, "Tokenizer file (llama2.c models)");
       sub.add_flag("--no-verify", a->no_verify,
                    "skip timing the tuned against the default engine (smolc bench) after the search");
       smolc::cli::add_number(sub, "--verify-rounds", a->verify_rounds,
                              "interleaved rounds of the verification (default 3)", 1, 50);
       sub.add_option("--verify-threads", a->verify_threads,
                      "thread counts the verification benches, comma separated (default --threads)")
           ->delimiter(',')
           ->check(CLI::Range(1, 64));
       return std::function<int()>([a] { return run(*a); });
     }});

}  // namespace
