// llama.cpp speed without node: the same measurements as speed.mjs, made by
// calling the prebuilt libllama of node-llama-cpp directly from C++, so no
// JavaScript call or worker hand-off sits between two decoded tokens.
//
//   native_speed MODEL.gguf BACKEND_DIR [--threads N] [--reps R] [--kv f16|f32] [--fa auto|on|off]
//
// BACKEND_DIR holds the libggml-cpu-*.so variants; ggml loads the best one for
// this CPU (as node-llama-cpp and llama-bench do). Prints one JSON object:
//   pp512: one 512-token prompt as a single batch (tokens/s)
//   tg128: 128 tokens decoded one at a time from an empty context
//   tg128_d512: the same right after the 512-token prompt
// Token ids are the fixed pseudo-random ids of speed.mjs and smolc bench.
// Built by build_native.sh against the llama.h of the exact llama.cpp commit
// the binaries were built from (the git bundle node-llama-cpp ships).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ggml-backend.h"
#include "llama.h"

namespace {

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "native_speed: %s\nusage: native_speed MODEL.gguf BACKEND_DIR [--threads N] [--reps R] "
               "[--kv f16|f32] [--fa auto|on|off]\n",
               msg);
  std::exit(2);
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void decode_or_die(llama_context* ctx, std::vector<llama_token>& ids, int begin, int n) {
  if (llama_decode(ctx, llama_batch_get_one(ids.data() + begin, n)) != 0) {
    std::fprintf(stderr, "native_speed: llama_decode failed\n");
    std::exit(1);
  }
}

std::string runs_json(const char* key, const std::vector<double>& v) {
  double mean = 0;
  for (double x : v) mean += x;
  mean /= double(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / double(std::max<size_t>(1, v.size() - 1)));
  char b[128];
  std::snprintf(b, sizeof b, "\"%s\":{\"mean\":%.2f,\"stdev\":%.2f,\"runs\":[", key, mean, sd);
  std::string s = b;
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(b, sizeof b, "%s%.2f", i ? "," : "", v[i]);
    s += b;
  }
  return s + "]}";
}

// Text as a JSON string body: quotes, backslashes and control characters dropped
// (a model path or llama.cpp's feature list never needs them).
std::string json_safe(std::string t) {
  t.erase(std::remove_if(t.begin(), t.end(), [](char c) { return c == '"' || c == '\\' || (c >= 0 && c < 32); }), t.end());
  return t;
}

void quiet(ggml_log_level level, const char* text, void*) {
  if (level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) usage("expected MODEL.gguf and BACKEND_DIR");
  int threads = 1, reps = 3;
  std::string kv = "f16", fa = "auto";
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + a).c_str());
    if (a == "--threads") threads = std::atoi(argv[++i]);
    else if (a == "--reps") reps = std::atoi(argv[++i]);
    else if (a == "--kv") kv = argv[++i];
    else if (a == "--fa") fa = argv[++i];
    else usage(("unknown argument " + a).c_str());
  }
  if (threads < 1 || threads > 256 || reps < 1 || reps > 1000 || (kv != "f16" && kv != "f32") ||
      (fa != "auto" && fa != "on" && fa != "off"))
    usage("bad option value");

  llama_log_set(quiet, nullptr);
  ggml_backend_load_all_from_path(argv[2]);
  llama_backend_init();
  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  llama_model* model = llama_model_load_from_file(argv[1], mp);
  if (!model) usage((std::string("cannot load ") + argv[1]).c_str());
  const int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

  constexpr int kPrompt = 512, kGen = 128;
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = kPrompt + kGen;
  cp.n_batch = kPrompt;
  cp.n_ubatch = kPrompt;
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.type_k = cp.type_v = kv == "f16" ? GGML_TYPE_F16 : GGML_TYPE_F32;
  cp.flash_attn_type = fa == "on" ? LLAMA_FLASH_ATTN_TYPE_ENABLED
                       : fa == "off" ? LLAMA_FLASH_ATTN_TYPE_DISABLED
                                     : LLAMA_FLASH_ATTN_TYPE_AUTO;
  llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) usage("cannot create a context");

  uint64_t lcg = 12345;
  std::vector<llama_token> prompt(kPrompt), gen(kGen);
  for (auto* v : {&prompt, &gen})
    for (llama_token& id : *v) id = llama_token((lcg = (lcg * 1103515245u + 12345u) % 2147483648u) % uint64_t(vocab));

  std::vector<double> pp, tg, tgd;
  for (int r = 0; r <= reps; ++r) {  // repetition 0 warms up and is not counted
    llama_memory_clear(llama_get_memory(ctx), true);
    double t0 = now_s();
    decode_or_die(ctx, prompt, 0, kPrompt);
    llama_synchronize(ctx);
    const double tp = now_s() - t0;
    t0 = now_s();
    for (int i = 0; i < kGen; ++i) decode_or_die(ctx, gen, i, 1);
    llama_synchronize(ctx);
    const double ttd = now_s() - t0;
    llama_memory_clear(llama_get_memory(ctx), true);
    t0 = now_s();
    for (int i = 0; i < kGen; ++i) decode_or_die(ctx, gen, i, 1);
    llama_synchronize(ctx);
    const double tt = now_s() - t0;
    if (r == 0) continue;
    pp.push_back(kPrompt / tp);
    tg.push_back(kGen / tt);
    tgd.push_back(kGen / ttd);
  }
  // The CPU features of the ggml variant that was loaded (e.g. "AVX2 = 1 | ...").
  const std::string features = json_safe(llama_print_system_info());
  std::printf("{\"engine\":\"llama.cpp (node-llama-cpp's prebuilt libllama, native driver)\",\"model\":\"%s\","
              "\"threads\":%d,\"kv_cache\":\"%s\",\"flash_attn\":\"%s\",\"system_info\":\"%s\",%s,%s,%s}\n",
              json_safe(argv[1]).c_str(), threads, kv.c_str(), fa.c_str(), features.c_str(), runs_json("pp512_tok_s", pp).c_str(),
              runs_json("tg128_tok_s", tg).c_str(), runs_json("tg128_d512_tok_s", tgd).c_str());
  llama_free(ctx);
  llama_model_free(model);
  return 0;
}
