#include "bench/bench_runner.h"
#include "package/shell.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "emit/engine_emitter.h"
#include "emit/template_engine.h"

namespace smolc::bench {
namespace fs = std::filesystem;

Lengths lengths_for(int ctx) {
  Lengths l;
  if (ctx >= kMinCtx) return l;
  l.scaled = true;
  l.decode = std::max(1, ctx / 5);
  l.prompt_long = ctx - l.decode;
  l.prompt_short = std::max(1, l.prompt_long / 4);
  return l;
}

std::string runner_source(const CachedEngine& e) {
  // Measurements, repeated R times after one warm-up repetition:
  //   ttft: reset, prefill a 128-token prompt, argmax the first token (ms);
  //   pp128 / pp512: prompt tokens / seconds of NAME_prefill;
  //   tg128: 128 tokens decoded one at a time from an empty context (llama-bench's tg128);
  //   tg128_d512: the same right after the 512-token prompt (positions 512..639,
  //          llama-bench's "tg128 @ d512"), where attention reads 513..640 cached positions.
  // bench/llama_cpp/speed.mjs measures llama.cpp the same way.
  // With a MAX_DRAFT argument the runner also times plain against speculative
  // greedy generation (a free and a repetitive task, kSpec* above).
  // Token ids are the same fixed pseudo-random ids speed.mjs uses; the content
  // does not change the cost. Time comes from the engine's platform clock.
  return render_embedded("package/bench-runner.cpp.in",
                         {{"NAME", e.name},
                          {"UNAME", ascii_upper(e.name)},
                          {"VERSION", std::string(SMOLC_VERSION)},
                          {"KV_ELEM_BYTES", int64_t(e.kv_f16 ? 2 : 4)},
                          {"PROMPT_SHORT", int64_t(lengths_for(e.ctx).prompt_short)},
                          {"PROMPT_LONG", int64_t(lengths_for(e.ctx).prompt_long)},
                          {"DECODE", int64_t(lengths_for(e.ctx).decode)},
                          {"SPEC_START", int64_t(kSpecStart)},
                          {"SPEC_PASSAGE", int64_t(kSpecPassage)},
                          {"SPEC_TOKENS", int64_t(kSpecTokens)},
                          {"WEIGHTS_MEMORY", render_embedded("package/weights-memory.inc.in", {})}});
}

std::string build_runner(const CachedEngine& e, const std::string& cxx, const std::string& triple,
                         const std::string& out_root, const std::string& key) {
  const std::string src = runner_source(e);
  const std::string keyed = src + key;
  char tag[17];
  std::snprintf(
      tag, sizeof tag, "%016llx",
      static_cast<unsigned long long>(weights_hash(reinterpret_cast<const uint8_t*>(keyed.data()), keyed.size())));
  const fs::path dir =
      out_root.empty() ? fs::path(e.dir) / "bench" : fs::path(out_root) / ("runner-" + std::string(tag));
  const fs::path exe = out_root.empty() ? dir / ("runner-" + std::string(tag)) : dir / "runner";
  if (fs::exists(exe)) return exe.string();
  fs::create_directories(dir);
  const fs::path cpp = dir / "runner.cpp", log = dir / "runner.log";
  {
    std::ofstream f(cpp, std::ios::binary);
    f << src;
    if (!f) throw std::runtime_error("cannot write " + cpp.string());
  }
  const fs::path tmp = exe.string() + ".tmp";
  const bool clang = fs::path(cxx).filename().string().find("clang") != std::string::npos;
  // wasm32-wasi's libc++ is built without exceptions: so is the runner.
  const std::string cross = (triple.empty() ? "" : (clang ? " --target=" + triple : std::string()) + " -static") +
                            (triple.rfind("wasm32", 0) == 0 ? " -fno-exceptions" : "");
  const std::string cmd = shell_quote(cxx) + cross + " -std=c++17 -O2 -I" + shell_quote(e.include_dir) + " " +
                          shell_quote(cpp.string()) + " " + shell_quote(e.library) + " -lpthread -lm -o " +
                          shell_quote(tmp.string()) + " >" + shell_quote(log.string()) + " 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream lf(log);
    const std::string text((std::istreambuf_iterator<char>(lf)), std::istreambuf_iterator<char>());
    throw std::runtime_error("linking the bench runner failed (" + cxx + "):\n" + text);
  }
  fs::rename(tmp, exe);
  return exe.string();
}

}  // namespace smolc::bench
