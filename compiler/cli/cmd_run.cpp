// `smolc run MODEL`: generate text from a prompt (or chat with --chat),
// streaming each token to stdout as soon as it is sampled.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "bench/cache_store.h"
#include "bench/engine_cache.h"
#include "chat/chatml.h"
#include "cli/command.h"
#include "cli/engine.h"
#include "cli/format_flags.h"
#include "cli/generate.h"
#include "cli/number_option.h"
#include "cli/progress.h"
#include "cli/stop_text.h"
#include "common/escape.h"
#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "reference/npy.h"
#include "sampler/sampler.h"
#include "schedule/schedule.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"

namespace smolc::cli {
namespace {

struct RunOptions {
  std::string model;
  bool reference = false;
  std::string prompt;
  bool has_prompt = false;
  std::string prompt_ids;
  int n = -1;  // -1: 256 for run, kChatTurnTokens per reply for --chat
  float temp = 1.0f, top_p = 0.9f, min_p = 0.0f, repeat_penalty = 1.0f;
  int top_k = 0, repeat_last_n = 64;
  uint64_t seed = 0;
  bool has_seed = false;  // false: a random seed
  std::string tokenizer;
  std::string dump_logits;
  int ctx = 0;  // 0: as needed (run) / min(kChatDefaultCtx, max_seq_len) (chat)
  bool chat = false;
  FormatFlags formats;  // a compiled engine of this format
  std::string target = "native", cxx = "clang++-19", tune, runner;
  int threads = 0;
  int speculate = 0;               // longest prompt-lookup guess; 0: off
  std::string system;              // --chat: the system message
  std::vector<std::string> stops;  // --stop: text that ends a reply
  bool quiet = false;              // no speed line on stderr
  std::string engine_dir;          // set when `model` is a compiled output directory
  std::string chat_template;       // --chat-template: overrides the model's
};

// Tokens one --chat reply may have unless -n says otherwise: a reply that
// never emits its end token stops here instead of filling the context.
constexpr int kChatTurnTokens = 512;

// Tokens per second of generation, timed from the first fed token.
struct Speed {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  double tok_s(int tokens) const {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s > 0 ? tokens / s : 0.0;
  }
};

// Ctrl-C in --chat ends the current reply, not the program (at the prompt it
// ends the chat: the read is interrupted).
volatile sig_atomic_t g_interrupted = 0;
extern "C" void on_sigint(int) { g_interrupted = 1; }
void catch_sigint() {
  struct sigaction sa{};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: an interrupted read at the prompt ends the chat
  sigaction(SIGINT, &sa, nullptr);
}

EngineRequest engine_request(const RunOptions& o) {
  EngineRequest r;
  r.reference = o.reference;
  r.format = o.formats.plan();
  r.allow_nonfinite = o.formats.allow_nonfinite;
  r.model = o.model;
  r.tokenizer = o.tokenizer;
  r.target = o.target;
  r.tune = o.tune;
  r.threads = o.threads;
  r.cxx = o.cxx;
  r.engine_dir = o.engine_dir;
  r.runner = o.runner;
  return r;
}

// `smolc run DIR` with DIR from `smolc compile -o DIR`: the engine is linked
// as it is; the options that would choose another engine must agree with it
// or be absent. The model it names (manifest model_path) gives the tokenizer.
std::string compiled_model(RunOptions& o, const CLI::App& app) {
  const CachedEngine e = open_engine_dir(o.model);
  const std::string manifest = o.model + "/manifest.json";
  const std::optional<schedule::FormatPlan> plan = o.formats.plan();
  if (plan && plan->describe() != e.format)
    throw InputError(manifest, "format",
                     "the engine is " + e.format + ", not " + plan->describe() +
                         " (leave the format flag out to run it as compiled)");
  for (const char* opt : {"--reference", "--target", "--allow-nonfinite"})
    if (app.count(opt) > 0) throw InputError(opt, "", "does not apply to a compiled directory (" + o.model + ")");
  if (o.ctx != 0 && o.ctx != e.ctx)
    throw InputError(manifest, "ctx",
                     "the engine holds " + std::to_string(e.ctx) + " positions; --ctx " + std::to_string(o.ctx) +
                         " needs a new compile");
  if (!std::filesystem::exists(e.model_path))
    throw InputError(manifest, "model_path",
                     "'" + e.model_path +
                         "' is not there; run reads the model's "
                         "tokenizer and config from it");
  o.engine_dir = o.model;
  return e.model_path;
}

void print(const std::string& s) {
  if (s.empty()) return;
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

std::vector<int32_t> parse_ids(const std::string& text) {
  std::vector<int32_t> ids;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find(',', i);
    if (j == std::string::npos) j = text.size();
    std::string part = text.substr(i, j - i);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    int32_t v = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size())
      throw InputError("--prompt-ids", "item " + std::to_string(ids.size() + 1),
                       "\"" + part + "\" is not an integer token id (expected e.g. 1,2,3)");
    ids.push_back(v);
    i = j + 1;
  }
  return ids;
}

smolc_sampler_params sampler_params(const RunOptions& o) {
  smolc_sampler_params p = smolc_sampler_default_params();
  p.temperature = o.temp;
  p.top_k = o.top_k;
  p.top_p = o.top_p;
  p.min_p = o.min_p;
  p.repeat_penalty = o.repeat_penalty;
  p.repeat_last_n = o.repeat_last_n;
  p.seed = o.has_seed ? o.seed : (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  return p;
}

struct SamplerBox {
  std::vector<uint8_t> work;
  smolc_sampler s{};
  SamplerBox(const RunOptions& o, int32_t vocab) {
    const smolc_sampler_params p = sampler_params(o);
    work.resize(smolc_sampler_work_bytes_for(vocab, p.top_k));  // top-k bounds it
    const int rc = smolc_sampler_init(&s, &p, vocab, work.data(), work.size());
    if (rc == SMOLC_SAMPLER_E_PARAMS)
      throw InputError("sampling options", "",
                       "out of range (need finite --temp, 0 < --top-p <= 1, 0 <= --min-p <= 1, --repeat-penalty > 0)");
    if (rc != SMOLC_SAMPLER_OK)
      throw std::logic_error(std::string(smolc_sampler_strerror(rc)) + " (code " + std::to_string(rc) + ")");
  }
};

// One line on stderr after a run with --speculate: how much the guesses saved.
void report_speculation(const RunOptions& o, const Generator& gen) {
  if (o.speculate <= 0) return;
  const Generator::SpecStats& s = gen.spec_stats;
  std::fprintf(stderr,
               "smolc: speculation: %lld tokens in %lld steps (%.2f tokens/step), %lld of %lld guessed tokens accepted "
               "(%.1f%%)\n",
               static_cast<long long>(s.generated), static_cast<long long>(s.steps),
               s.steps ? static_cast<double>(s.generated) / static_cast<double>(s.steps) : 0.0,
               static_cast<long long>(s.accepted), static_cast<long long>(s.drafted),
               s.drafted ? 100.0 * static_cast<double>(s.accepted) / static_cast<double>(s.drafted) : 0.0);
}

// The prompt as ids: --prompt-ids verbatim; -p text encoded, after BOS for
// SentencePiece (llama-style) tokenizers; nothing given: just BOS.
std::vector<int32_t> prompt_ids(const RunOptions& o, const Checkpoint& ck, const Tokenizer& tok) {
  if (!o.prompt_ids.empty()) return parse_ids(o.prompt_ids);
  const int32_t bos = run_bos_id(ck, tok);
  std::vector<int32_t> ids;
  if (!o.has_prompt || prompt_text_after_bos(ck)) {
    if (bos < 0) throw InputError(ck.path, "bos_token_id", "the model has no BOS token; give a prompt with -p");
    ids.push_back(bos);
  }
  if (o.has_prompt) {
    const std::vector<int32_t> text = tok.encode(o.prompt);
    ids.insert(ids.end(), text.begin(), text.end());
  }
  if (ids.empty()) throw InputError("-p", "", "the prompt encodes to no tokens");
  return ids;
}

int run_once(const RunOptions& o, const Checkpoint& ck, const Tokenizer& tok) {
  const std::vector<int32_t> prompt = prompt_ids(o, ck, tok);
  for (int32_t id : prompt)
    if (id < 0 || id >= ck.cfg.vocab_size)
      throw InputError("--prompt-ids", std::to_string(id),
                       "is not a token id, expected 0.." + std::to_string(ck.cfg.vocab_size - 1));
  const int64_t max_seq = ck.cfg.max_seq_len;
  if (static_cast<int64_t>(prompt.size()) > max_seq)
    throw InputError(
        "prompt", "",
        std::to_string(prompt.size()) + " tokens exceed the model's max_seq_len " + std::to_string(max_seq));
  const int n = o.n < 0 ? 256 : o.n;
  // Positions evaluated: the prompt, then every sampled token but the last.
  const int64_t needed = static_cast<int64_t>(prompt.size()) + (n > 0 ? n - 1 : 0);
  std::unique_ptr<Engine> engine =
      make_engine(ck, engine_request(o), static_cast<int>(std::min<int64_t>(max_seq, needed)), o.ctx);

  SamplerBox sb(o, static_cast<int32_t>(ck.cfg.vocab_size));
  std::vector<float> dump;
  Generator gen{*engine, sb.s, run_stop_ids(ck, tok), o.dump_logits.empty() ? nullptr : &dump};
  Generator::check_fits(*engine, prompt.size());
  gen.speculate = o.speculate;
  StreamDecoder out(tok);
  // Echo the prompt as llama2.c does, except BOS: it goes through the decoder
  // only so that the next token's dummy-prefix space is dropped.
  const int32_t bos = run_bos_id(ck, tok);
  for (size_t i = 0; i < prompt.size(); ++i) {
    const std::string text = out.push(prompt[i]);
    if (i > 0 || prompt[i] != bos) print(text);
  }
  StopText stop(o.stops);
  gen.interrupted = [&] { return stop.hit(); };
  const Speed speed;
  const int emitted = gen.run(prompt, n, [&](int32_t id) { print(stop.push(out.push(id))); });
  const double tok_s = speed.tok_s(emitted);
  print(stop.push(out.flush()) + stop.flush());
  print("\n");
  report_speculation(o, gen);
  if (!o.quiet && engine->emulated())  // the runner said once that emulated timings are not speeds
    std::fprintf(stderr, "smolc: %d tokens generated (emulated: no speed)\n", emitted);
  else if (!o.quiet)
    std::fprintf(stderr, "smolc: %d tokens generated, %.1f tokens/s (timed with the %zu-token prompt's prefill)\n",
                 emitted, tok_s, prompt.size());
  if (!o.dump_logits.empty())
    write_npy_f32(o.dump_logits, dump.data(), static_cast<int64_t>(dump.size()) / ck.cfg.vocab_size, ck.cfg.vocab_size);
  return 0;
}

// What /help prints: the commands --chat reads instead of a user turn.
constexpr const char* kChatHelp =
    "/help   this list\n"
    "/reset  forget the conversation (the system message stays)\n"
    "/stats  tokens in the context, its size, and the last reply's speed\n"
    "/exit   end the chat (also end of input, or Ctrl-C at the prompt)\n"
    "Ctrl-C during a reply ends the reply and keeps the conversation.\n";

// One line on stderr after each reply, dim on a terminal.
void chat_stats_line(const char* what, int tokens, double tok_s, const Engine& e) {
  const bool tty = ::isatty(STDERR_FILENO);
  char speed[48];
  if (e.emulated())
    std::snprintf(speed, sizeof speed, "emulated");
  else
    std::snprintf(speed, sizeof speed, "%.1f tokens/s", tok_s);
  std::fprintf(stderr, "%s[%s%d tokens, %s, context %d/%d]%s\n", tty ? "\x1b[2m" : "", what, tokens, speed,
               e.position(), e.ctx(), tty ? "\x1b[0m" : "");
}

// Multi-turn ChatML chat over one KV cache: each user line becomes a turn;
// only the new part of the rendered conversation is fed to the engine. Lines
// starting with '/' are commands (kChatHelp), never sent to the model.
// The chat template: --chat-template, else the model's own (refused when
// unknown), else SmolLM2's ChatML. The tokenizer must have its special tokens.
ChatStyle chat_style(const RunOptions& o, const Checkpoint& ck, const Tokenizer& tok) {
  ChatStyle s = ChatStyle::SmolLM2;
  if (!o.chat_template.empty())
    s = chat_style_flag(o.chat_template);
  else if (const auto src = read_chat_template(ck.format, ck.path))
    s = recognise_chat_template(*src);
  const bool chatml = s == ChatStyle::SmolLM2 || s == ChatStyle::ChatML;
  for (const char* t : chatml                   ? std::vector<const char*>{SMOLC_CHATML_IM_START, SMOLC_CHATML_IM_END}
                       : s == ChatStyle::Llama3 ? std::vector<const char*>{"<|begin_of_text|>", "<|start_header_id|>",
                                                                           "<|end_header_id|>", "<|eot_id|>"}
                                                : std::vector<const char*>{"<s>", "</s>"})
    if (tok.token_id(t) < 0)
      throw InputError(ck.path, "tokenizer",
                       std::string("has no ") + t + " token, which the " + chat_style_name(s) +
                           " chat template needs (--chat needs a " + (chatml ? "ChatML " : "") + "chat model)");
  return s;
}

int run_chat(const RunOptions& o, const Checkpoint& ck, const Tokenizer& tok) {
  const ChatStyle style = chat_style(o, ck, tok);
  const std::string bos_text = style == ChatStyle::Llama3 ? "<|begin_of_text|>" : "<s>";
  if (!o.prompt_ids.empty() || o.has_prompt || !o.dump_logits.empty())
    throw InputError("--chat", "",
                     "reads the conversation from stdin; -p, --prompt-ids and --dump-logits do not apply");
  std::unique_ptr<Engine> engine = make_engine(
      ck, engine_request(o), static_cast<int>(std::min<int64_t>(ck.cfg.max_seq_len, kChatDefaultCtx)), o.ctx);
  SamplerBox sb(o, static_cast<int32_t>(ck.cfg.vocab_size));
  Generator gen{*engine, sb.s, run_stop_ids(ck, tok), nullptr};
  gen.speculate = o.speculate;
  catch_sigint();

  std::vector<ChatTurn> turns;
  auto render = [&](bool add_generation_prompt) {
    return render_chat(style, turns, add_generation_prompt, bos_text, "</s>");
  };
  std::string fed_text;  // the conversation as rendered so far (what the cache holds, plus a pending token)
  // Empties the cache: the next turn feeds the whole rendered conversation.
  auto restart = [&] {
    engine->rewind(0);
    gen.restart();
    fed_text.clear();
  };
  auto reset = [&] {
    turns.clear();
    if (!o.system.empty()) turns.push_back({"system", o.system});
    restart();
  };
  reset();

  const bool interactive = ::isatty(STDIN_FILENO);
  std::string line;
  int last_tokens = 0;
  double last_tok_s = 0;
  while (true) {
    if (interactive) std::fprintf(stderr, "> ");
    g_interrupted = 0;
    if (!std::getline(std::cin, line) || line == "/exit") break;
    if (line.empty()) continue;
    if (line[0] == '/') {
      if (line == "/help") {
        std::fputs(kChatHelp, stderr);
      } else if (line == "/reset") {
        reset();
        std::fprintf(stderr, "[conversation reset]\n");
      } else if (line == "/stats") {
        chat_stats_line("last reply: ", last_tokens, last_tok_s, *engine);
      } else {
        std::fprintf(stderr, "unknown command %s (/help lists them)\n", printable(line).c_str());
      }
      continue;
    }
    turns.push_back({"user", line});
    const std::string full = render(true);
    // Llama-2 re-renders earlier answers (stripped, then EOS): when the
    // cache no longer holds a prefix of the rendering, feed it afresh.
    if (full.compare(0, fed_text.size(), fed_text) != 0) restart();
    std::vector<int32_t> input;
    if (gen.pending() >= 0) input.push_back(gen.pending());
    const std::vector<int32_t> fresh = tok.encode(std::string_view(full).substr(fed_text.size()));
    input.insert(input.end(), fresh.begin(), fresh.end());
    if (engine->position() + static_cast<int64_t>(input.size()) > engine->ctx())
      throw InputError("--chat", "",
                       "the conversation no longer fits in the context of " + std::to_string(engine->ctx()) +
                           " tokens (raise --ctx, or /reset)");

    StreamDecoder out(tok);
    StopText stop(o.stops);
    gen.interrupted = [&] { return stop.hit() || g_interrupted != 0; };
    const Speed speed;
    last_tokens = gen.run(input, o.n < 0 ? kChatTurnTokens : o.n, [&](int32_t id) { print(stop.push(out.push(id))); });
    last_tok_s = speed.tok_s(last_tokens);
    print(stop.push(out.flush()) + stop.flush() + "\n");
    const std::string answer = stop.shown();
    turns.push_back({"assistant", answer});
    fed_text = full + answer;
    // The cache holds more than the answer when a stop string cut it: feed
    // the conversation afresh next turn so the model sees what the user saw.
    if (stop.hit()) restart();
    if (!o.quiet) chat_stats_line(g_interrupted ? "interrupted, " : "", last_tokens, last_tok_s, *engine);
  }
  report_speculation(o, gen);
  return 0;
}

// A bare-metal target (--target cortex-m55, ...): the engine cannot run in
// this process, so the firmware path does it: tools/firmware-demo.sh compiles
// the engine for the core, links examples/firmware and runs the image under
// qemu-system-arm, whose semihosting console is our stdout. Only the options
// the firmware's command line carries apply; the others are refused rather
// than silently ignored.
int run_firmware(const RunOptions& o, const schedule::TargetDesc& t, const CLI::App& app) {
  for (const char* opt : {"--chat", "--dump-logits", "--prompt-ids", "--speculate", "--top-k", "--min-p", "--runner",
                          "--repeat-penalty", "--repeat-last-n", "--ctx", "--threads", "--cxx", "--tokenizer"})
    if (app.count(opt) > 0)
      throw InputError("--target " + t.name, opt,
                       "does not apply to a bare-metal run (the firmware takes -n, --temp, "
                       "--seed, --top-p and -p)");
  const std::optional<schedule::FormatPlan> plan = o.formats.plan();
  if (!plan) throw InputError("--target " + t.name, "format", "give one of --f32, --bf16, --f16, --q8, --q4, --q16");
  if (!plan->keep.empty() || plan->q4_all || !plan->calibrate)
    throw InputError("--target " + t.name, "format", "the firmware path takes a plain format flag only");
  char self[4096];
  const ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) throw std::runtime_error("cannot find the smolc executable (/proc/self/exe)");
  self[len] = '\0';
  const std::string fmt = format_name(plan->base);
  char temp[32], top_p[32];
  std::snprintf(temp, sizeof temp, "%.6f", static_cast<double>(o.temp));
  std::snprintf(top_p, sizeof top_p, "%.6f", static_cast<double>(o.top_p));
  const uint64_t seed = o.has_seed ? o.seed : std::random_device{}();
  const std::string fw_dir = cache_root() + "/firmware/" + t.qemu_machine + "-" + fmt;
  std::string cmd = shell_quote(std::string(SMOLC_SOURCE_DIR) + "/tools/firmware-demo.sh") + " --smolc " +
                    shell_quote(self) + " --machine " + t.qemu_machine + " --dir " + shell_quote(fw_dir) + " " +
                    shell_quote(o.model) + " --" + fmt + " -- -n " + std::to_string(o.n < 0 ? 256 : o.n) + " -t " +
                    temp + " -p " + top_p + " -s " + std::to_string(seed);
  if (o.has_prompt) cmd += " " + shell_quote(o.prompt);
  std::fflush(stdout);
  const int st = std::system(cmd.c_str());
  // The firmware build is a cache entry like an engine: used now, and it may
  // have taken the cache past its cap.
  if (std::filesystem::is_directory(fw_dir)) note_evictions(admit_cache_entry(cache_root(), fw_dir));
  return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

}  // namespace

Register reg(
    {"run", "Generate text with a model (or chat with --chat)", [](CLI::App& app) {
       auto o = std::make_shared<RunOptions>();
       app.add_option("model", o->model,
                      "Model: llama2.c .bin, HF directory, .gguf, a known name, or a `smolc compile` output "
                      "directory (run as compiled, nothing recompiled)")
           ->required();
       app.add_flag("--reference", o->reference, "Use the scalar reference engine");
       // --f32 ... --q16: run a compiled engine of that format (compiled once into the engine cache).
       o->formats.add_to(app);
       app.add_option("--target", o->target,
                      "Compiled engine target: native|avx512|avx2|scalar, aarch64|aarch64-dotprod|aarch64-i8mm "
                      "(qemu-aarch64 or --runner on x86), wasm32|wasm32-simd128 (in node), or cortex-m55|cortex-m4 "
                      "(qemu-system-arm, docs/firmware.md)");
       app.add_option("--runner", o->runner,
                      "Command that runs the compiled engine as a program speaking over stdin/stdout (CMD PROGRAM "
                      "THREADS [WEIGHTS]), e.g. 'qemu-aarch64 -cpu cortex-a53' or 'bench/aarch64/ssh_runner.sh "
                      "pi@board'; default for aarch64 on another host: qemu-aarch64 -cpu max if installed");
       add_number(app, "--threads", o->threads, "Compiled engine threads (default: one per CPU)", 0, 64);
       app.add_option("--tune", o->tune, "Tuning file of `smolc tune`: the compiled engine uses its kernel choices");
       app.add_option("--cxx", o->cxx, "C++ compiler for the compiled engine (default clang++-19)");
       app.add_option("-p,--prompt", o->prompt, "Prompt text");
       app.add_option("--prompt-ids", o->prompt_ids, "Prompt as token ids, e.g. 1,403,407 (used verbatim)");
       add_number(app, "-n", o->n, "Tokens to generate (default 256; --chat: per reply, default 512)", 0, kIntMax);
       add_number(app, "--temp", o->temp, "Temperature; 0 = greedy (default 1.0)", 0.0f, 1e6f);
       add_number(app, "--seed", o->seed, "Random seed (default: random)", uint64_t{0}, UINT64_MAX);
       add_number(app, "--top-k", o->top_k, "Keep the K most likely tokens (0 = off)", 0, kIntMax);
       add_number(app, "--top-p", o->top_p, "Nucleus sampling threshold, above 0 (default 0.9, 1 = off)", 0.0f, 1.0f);
       add_number(app, "--min-p", o->min_p, "Keep tokens with p >= P * p_max (0 = off)", 0.0f, 1.0f);
       add_number(app, "--repeat-penalty", o->repeat_penalty, "Repetition penalty, above 0 (1 = off)", 0.0f, 1e6f);
       add_number(app, "--repeat-last-n", o->repeat_last_n, "Penalty window in tokens (default 64, -1 = all)", -1,
                  kIntMax);
       app.add_option("--tokenizer", o->tokenizer,
                      "Tokenizer file (llama2.c: default tok<vocab>.bin or tokenizer.bin next to the model)");
       app.add_option("--dump-logits", o->dump_logits,
                      "Write every evaluated position's logits as float32 .npy [positions, vocab]");
       add_number(app, "--ctx", o->ctx,
                  "KV cache size in tokens (default: what the run needs; --chat: min(2048, max_seq_len))", 0, kIntMax);
       app.add_flag("--chat", o->chat,
                    "Interactive ChatML chat, one user turn per stdin line (/help lists its commands)");
       app.add_option("--system", o->system, "--chat: the system message of the conversation");
       app.add_option("--chat-template", o->chat_template,
                      "--chat: chatml (SmolLM2's), chatml-plain, llama2 or llama3 instead of the model's own "
                      "template (default: the model's, else chatml)");
       app.add_option("--stop", o->stops, "End the output (or a --chat reply) before this text; repeatable")
           ->take_all()
           ->expected(1)
           ->allow_extra_args(false);
       app.add_flag("-q,--quiet", o->quiet, "No speed line on stderr after the output (after each --chat reply)");
       app.add_option("--speculate", o->speculate,
                      "Prompt-lookup speculative decoding, guessing up to N tokens per step (default 8; "
                      "same output as without, docs/speculative.md)")
           ->expected(0, 1)
           ->default_str("8");
       return std::function<int()>([o, &app] {
         o->has_prompt = app.count("--prompt") > 0;
         o->has_seed = app.count("--seed") > 0;
         if (o->has_prompt && !o->prompt_ids.empty())
           throw InputError("-p", "", "give either -p or --prompt-ids, not both");
         if (app.count("--speculate") > 0 && (o->speculate < 1 || o->speculate > 64))
           throw InputError("--speculate", "", std::to_string(o->speculate) + " is out of range (expected 1..64)");
         if (!o->system.empty() && !o->chat) throw InputError("--system", "", "applies to --chat only");
         if (!o->chat_template.empty() && !o->chat) throw InputError("--chat-template", "", "applies to --chat only");
         for (const std::string& st : o->stops)
           if (st.empty()) throw InputError("--stop", "", "an empty stop string would end the output at once");
         if (o->speculate > 0 && !o->dump_logits.empty())
           throw InputError("--speculate", "",
                            "does not combine with --dump-logits (a dump needs every row one at a time)");
         const std::string model = is_engine_dir(o->model) ? compiled_model(*o, app) : o->model;
         if (!o->reference && o->target != "native") {
           const schedule::TargetDesc& t = schedule::target_flag(o->target, false);
           if (t.bare_metal()) return run_firmware(*o, t, app);
         }
         const Checkpoint ck = load_checkpoint(model, o->tokenizer);
         const Tokenizer tok(ck.tokenizer);
         return o->chat ? run_chat(*o, ck, tok) : run_once(*o, ck, tok);
       });
     }});

}  // namespace smolc::cli
