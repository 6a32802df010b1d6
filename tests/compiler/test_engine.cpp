// Whole compiled engines (smolc compile -> static library -> C harness)
// against the reference engine, the published stories260K story, each other
// (targets, thread counts) and their error codes.
#include <catch2/catch.hpp>
#include <fstream>
#include "support/published_story.h"

#include "emit/kernel_api.h"
#include "frontend/dequant.h"
#include "engine_fixture.h"
#include "text/tokenizer.h"

using namespace smolc;
using namespace smolc::test;

namespace {

std::string stories_model() { return stories_dir() + "/stories260K.bin"; }
std::string stories_args(const std::string& fmt_target) {
  return "'--tokenizer=" + stories_dir() + "/tok512.bin' " + fmt_target;
}
Checkpoint stories() { return load_checkpoint(stories_model(), stories_dir() + "/tok512.bin"); }

// A synthetic tiny checkpoint (smolc synth), f32 weights unless told.
std::string tiny_model(const std::string& test, const std::string& dtype = "f32", int seed = 7) {
  const std::string dir = temp_dir(test + "_model");
  RunResult r = run_smolc("synth --preset tiny --seed " + std::to_string(seed) + " --dtype " + dtype + " -o '" + dir + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return dir;
}

const std::vector<int32_t> kTinyPrompt = {1, 100, 2000, 30000, 5, 77, 49151, 0, 12, 13, 9000, 42, 7, 31000, 2, 3, 4, 5, 6};

// The numbers a bf16 engine multiplies, for the reference engine: RMSNorm
// gains folded into the projections that read them (in f32, as
// ir::materialize does; not into a tied lm_head, whose final norm keeps its
// gain), then every matrix rounded to bf16.
RefWeights bf16_engine_weights(const Checkpoint& ck) {
  RefWeights w = RefWeights::from_checkpoint(ck);
  auto fold = [](std::vector<float>& W, std::vector<float>& gain) {
    const size_t cols = gain.size();
    for (size_t i = 0; i < W.size(); ++i) W[i] *= gain[i % cols];
  };
  auto round = [](std::vector<float>& W) {
    for (float& v : W) v = bf16_to_f32(f32_to_bf16(v));
  };
  for (RefLayer& l : w.layers) {
    for (std::vector<float>* m : {&l.wq, &l.wk, &l.wv}) fold(*m, l.attn_norm);
    for (std::vector<float>* m : {&l.w1, &l.w3}) fold(*m, l.ffn_norm);
    std::fill(l.attn_norm.begin(), l.attn_norm.end(), 1.0f);
    std::fill(l.ffn_norm.begin(), l.ffn_norm.end(), 1.0f);
    for (std::vector<float>* m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w1, &l.w2, &l.w3}) round(*m);
  }
  if (!w.lm_head.empty()) {
    fold(w.lm_head, w.final_norm);
    std::fill(w.final_norm.begin(), w.final_norm.end(), 1.0f);
    round(w.lm_head);
  }
  round(w.embed);
  return w;
}

// Worst NMSE over the steps of `run` against the reference engine on
// bf16_engine_weights, with or without --bf16-activations.
double worst_nmse_bf16_reference(const Checkpoint& ck, const std::vector<int32_t>& prompt, const EngineRun& run,
                                 int ctx, bool bf16_activations) {
  ReferenceEngine ref(ck.cfg, bf16_engine_weights(ck), ctx);
  ref.set_bf16_activations(bf16_activations);
  const size_t V = static_cast<size_t>(ck.cfg.vocab_size);
  std::vector<std::vector<float>> want;
  std::vector<float> all = ref.prefill(prompt.data(), static_cast<int>(prompt.size()));
  want.emplace_back(all.end() - static_cast<std::ptrdiff_t>(V), all.end());
  for (int32_t t : run.tokens) want.push_back(ref.decode(t));
  REQUIRE(run.logits.size() == want.size() * V);
  double worst = 0;
  for (size_t s = 0; s < want.size(); ++s) worst = std::max(worst, nmse(run.logits.data() + s * V, want[s]));
  return worst;
}


}  // namespace

TEST_CASE("stories260K f32 engine matches the reference and prints the published story") {
  Engine e = compile_engine(stories_model(), stories_args("--f32 --target scalar"), "st_f32", "story");
  Checkpoint ck = stories();
  // llama2.c run -n 256: BOS, then one greedy pick per position 0..255.
  const std::vector<int32_t> prompt = {1};
  EngineRun run = run_engine(e, prompt, 256, 1, 16);
  Tokenizer tok(ck.tokenizer);
  std::string text;
  int32_t prev = 1;
  for (int32_t t : run.tokens) {
    if (t == 1) break;  // llama2.c stops at BOS
    text += tok.token_bytes(prev, t);
    prev = t;
  }
  std::string want = published_story();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  CHECK(text == want);
  // 64 greedy steps: NMSE <= 1e-6 at every step and the same picks.
  EngineRun run64 = {std::vector<int32_t>(run.tokens.begin(), run.tokens.begin() + 64),
                     std::vector<float>(run.logits.begin(), run.logits.begin() + 65 * ck.cfg.vocab_size)};
  check_against_reference(ck, prompt, run64, 256, 1e-6, true);
}

TEST_CASE("tiny f32 engines for scalar avx2 and avx512 match the reference and each other") {
  const std::string model = tiny_model("targets");
  Checkpoint ck = load_checkpoint(model);
  std::vector<EngineRun> runs;
  for (const std::string target : {"scalar", "avx2", "avx512"}) {
    if (target != "scalar" && !host_supports(target == "avx2" ? Isa::AVX2 : Isa::AVX512)) continue;
    Engine e = compile_engine(model, "--f32 --ctx 128 --target " + target, "tiny_" + target, "targets");
    runs.push_back(run_engine(e, kTinyPrompt, 64, 1, 16));
    INFO("target " << target);
    check_against_reference(ck, kTinyPrompt, runs.back(), 128, 1e-6, true);
  }
  for (size_t i = 1; i < runs.size(); ++i) {
    CHECK(runs[i].tokens == runs[0].tokens);
    CHECK(nmse(runs[i].logits.data(), runs[0].logits) <= 1e-9);
  }
}

TEST_CASE("tiny bf16 and f16 engines and an f16 KV cache stay within NMSE 1e-4 of the f32 reference") {
  const std::string model = tiny_model("halves");
  Checkpoint ck = load_checkpoint(model);
  for (const std::string fmt : {"bf16", "f16", "f32 --kv f16"}) {
    const std::string name = fmt == "bf16" ? "tiny_bf16" : fmt == "f16" ? "tiny_f16" : "tiny_kvf16";
    Engine e = compile_engine(model, "--" + fmt + " --ctx 128 --target native", name, "halves");
    EngineRun run = run_engine(e, kTinyPrompt, 32, 1, 16);
    INFO("format " << fmt);
    check_against_reference(ck, kTinyPrompt, run, 128, 1e-4, false);
  }
}

// --bf16-activations: the engine's products round their inputs to bf16 once,
// on every target. The truth is the reference engine with the same option on
// the numbers the bf16 engine multiplies (bf16_engine_weights); without the
// option the same reference must be measurably further away, or the engine
// ignored the option.
TEST_CASE("bf16 engines with --bf16-activations on scalar and avx512 match the reference engine with the option") {
  const std::string model = tiny_model("bf16act");
  const Checkpoint ck = load_checkpoint(model);
  const Checkpoint st = stories();
  struct Case {
    const Checkpoint* ck;
    std::string model, args, target;
    std::vector<int32_t> prompt;
    int ctx, steps;
  };
  std::vector<Case> cases;
  for (const std::string target : {"scalar", "avx512"})
    cases.push_back({&ck, model, "--ctx 128", target, kTinyPrompt, 128, 24});
  cases.push_back({&st, stories_model(), stories_args("--ctx 64"), "avx512", {1, 403, 407}, 64, 24});
  for (const Case& c : cases) {
    if (c.target == "avx512" && !host_supports(Isa::AVX512)) {
      WARN("not executed: this CPU lacks AVX-512 (bf16 " << c.target << " engine of " << c.model << ")");
      continue;
    }
    const std::string name = std::string(c.ck == &st ? "st" : "tiny") + "_bf16a_" + c.target;
    Engine e = compile_engine(c.model, c.args + " --bf16 --bf16-activations --target " + c.target, name, "bf16act");
    // The option is part of the format text: the manifest, and so the engine
    // cache key; a run that asks for plain bf16 does not take this engine.
    CHECK(read_file(e.dir + "/manifest.json").find("\"format\": \"bf16 --bf16-activations\"") != std::string::npos);
    const RunResult plain = run_smolc("run '" + e.dir + "' --bf16 --prompt-ids 1 -n 1");
    CHECK(plain.exit_code == 2);
    CHECK(plain.err.find("the engine is bf16 --bf16-activations, not bf16") != std::string::npos);
    EngineRun run = run_engine(e, c.prompt, c.steps, 2, 16);
    const double with = worst_nmse_bf16_reference(*c.ck, c.prompt, run, c.ctx, true);
    const double without = worst_nmse_bf16_reference(*c.ck, c.prompt, run, c.ctx, false);
    INFO(name << ": worst NMSE against the reference with the option " << with << ", without " << without);
    CHECK(with <= 1e-6);
    CHECK(without >= 10 * with);
    std::printf("%s: worst NMSE vs reference with --bf16-activations %.3g, without %.3g\n", name.c_str(), with, without);
  }
}

TEST_CASE("thread counts 1 2 3 and prefill chunking give bit-identical logits") {
  const std::string model = tiny_model("threads");
  Engine e = compile_engine(model, "--f32 --ctx 128 --target native", "tiny_thr", "threads");
  EngineRun one = run_engine(e, kTinyPrompt, 16, 1, 16);
  for (int threads : {2, 3}) {
    EngineRun r = run_engine(e, kTinyPrompt, 16, threads, 16);
    CHECK(r.tokens == one.tokens);
    CHECK(std::memcmp(r.logits.data(), one.logits.data(), one.logits.size() * sizeof(float)) == 0);
  }
  // The stories260K engine splits heads and rows differently (8/4 heads, dim 64).
  Engine s = compile_engine(stories_model(), stories_args("--f32 --target native"), "st_thr", "threads");
  EngineRun s1 = run_engine(s, {1, 403, 407}, 24, 1, 16);
  EngineRun s3 = run_engine(s, {1, 403, 407}, 24, 3, 16);
  CHECK(std::memcmp(s1.logits.data(), s3.logits.data(), s1.logits.size() * sizeof(float)) == 0);
  // Prefill in calls of 1 and 5 tokens: same picks, logits within float noise.
  for (int chunk : {1, 5}) {
    EngineRun r = run_engine(e, kTinyPrompt, 16, 2, chunk);
    CHECK(r.tokens == one.tokens);
    CHECK(nmse(r.logits.data(), one.logits) <= 1e-10);
  }
}

TEST_CASE("engine error codes for state size and alignment and token range and full context") {
  Engine e = compile_engine(stories_model(), stories_args("--f32 --ctx 40 --target scalar"), "st_err", "errors");
  RunResult r{};
  std::string out = e.dir + "/errors.txt";
  REQUIRE(sh("'" + e.harness + "' errors >'" + out + "'") == 0);
  CHECK(read_file(out) == "ok\n");
}

TEST_CASE("external weights give the embedded logits and a corrupted file is refused") {
  const std::string model = tiny_model("external");
  Engine emb = compile_engine(model, "--f32 --ctx 64 --target native", "tiny_emb", "external");
  Engine ext = compile_engine(model, "--f32 --ctx 64 --target native --weights external", "tiny_ext", "external");
  const std::string wfile = ext.dir + "/tiny_ext.weights";
  REQUIRE(std::filesystem::exists(wfile));
  EngineRun a = run_engine(emb, kTinyPrompt, 8, 1, 16);
  EngineRun b = run_engine(ext, kTinyPrompt, 8, 1, 16, "SMOLC_TEST_WEIGHTS='" + wfile + "'");
  CHECK(a.tokens == b.tokens);
  CHECK(std::memcmp(a.logits.data(), b.logits.data(), a.logits.size() * sizeof(float)) == 0);
  // Flip one payload byte: init must fail with ERR_WEIGHTS (-7), not run on bad weights.
  std::string bytes = read_file(wfile);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
  const std::string bad = ext.dir + "/bad.weights";
  std::ofstream(bad, std::ios::binary) << bytes;
  const std::string cmd = "SMOLC_TEST_WEIGHTS='" + bad + "' '" + ext.harness + "' run '" + ext.dir + "/x.bin' 1 1 16 1 >'" +
                          ext.dir + "/bad.txt'";
  CHECK(sh(cmd) != 0);
  CHECK(read_file(ext.dir + "/bad.txt").find("got -7") != std::string::npos);
}

TEST_CASE("two compiled engines link into one program without symbol clashes") {
  const std::string model = tiny_model("two");
  Engine a = compile_engine(model, "--f32 --ctx 64 --target native", "eng_a", "two");
  Engine b = compile_engine(stories_model(), stories_args("--f32 --ctx 64 --target scalar"), "eng_b", "two");
  const std::string dir = temp_dir("two_link");
  const std::string src = dir + "/two.c";
  std::ofstream(src) << "#include <stdio.h>\n#include <stdlib.h>\n#include \"eng_a.h\"\n#include \"eng_b.h\"\n"
                        "int main(void) {\n"
                        "  void *a = aligned_alloc(64, ENG_A_STATE_BYTES), *b = aligned_alloc(64, ENG_B_STATE_BYTES);\n"
                        "  if (eng_a_init(a, ENG_A_STATE_BYTES) || eng_b_init(b, ENG_B_STATE_BYTES)) return 1;\n"
                        "  int32_t ta = 1, tb = 1;\n"
                        "  for (int i = 0; i < 8; ++i) {\n"
                        "    if (eng_a_decode(a, ta) || eng_b_decode(b, tb)) return 1;\n"
                        "    ta = eng_a_argmax(a); tb = eng_b_argmax(b);\n"
                        "    printf(\"%d %d\\n\", ta, tb);\n"
                        "  }\n"
                        "  return 0;\n}\n";
  const std::string cmd = "export PKG_CONFIG_PATH='" + a.dir + "/lib/pkgconfig:" + b.dir +
                          "/lib/pkgconfig'; clang-19 -std=c11 -D_POSIX_C_SOURCE=200112L -Wall -Wextra -Werror '" + src +
                          "' $(pkg-config --cflags --libs eng_a eng_b) -o '" + dir + "/two' 2>'" + dir + "/link.log'";
  const int rc = sh(cmd);
  INFO(read_file(dir + "/link.log"));
  REQUIRE(rc == 0);
  REQUIRE(sh("'" + dir + "/two' >'" + dir + "/out.txt'") == 0);
  // Each engine alone, from the same first token.
  EngineRun ra = run_engine(a, {1}, 8, 1, 1), rb = run_engine(b, {1}, 8, 1, 1);
  std::string want;
  for (int i = 0; i < 8; ++i) want += std::to_string(ra.tokens[static_cast<size_t>(i)]) + " " + std::to_string(rb.tokens[static_cast<size_t>(i)]) + "\n";
  CHECK(read_file(dir + "/out.txt") == want);
}

TEST_CASE("smolc compile rejects bad options with exit code 2") {
  const std::string m = "'" + stories_model() + "' '--tokenizer=" + stories_dir() + "/tok512.bin'";
  const std::string o = " -o '" + temp_dir("bad_opts") + "'";
  for (const std::string bad : {" --f32 --bf16", "", " --f32 --target sparc", " --f32 --name 9lives",
                                " --f32 --name 'a;b'", " --f32 --ctx 100000", " --f32 --weights cloud",
                                " --f32 --bf16-activations", " --q8 --bf16-activations", " --bf16-activations"}) {
    RunResult r = run_smolc("compile " + m + bad + o);
    INFO(bad << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("smolc: error: ", 0) == 0);
    if (bad.find("--bf16-activations") != std::string::npos)
      CHECK(r.err.find("--bf16-activations: only applies to --bf16") != std::string::npos);
  }
}

TEST_CASE("synthetic SmolLM2-135M f32 engine matches the reference for 64 greedy steps") {
  const std::string dir = temp_dir("s135_model");
  REQUIRE(run_smolc("synth --preset SmolLM2-135M --seed 11 --dtype bf16 -o '" + dir + "'").exit_code == 0);
  Checkpoint ck = load_checkpoint(dir);
  Engine e = compile_engine(dir, "--f32 --ctx 128 --target native", "s135_f32", "s135");
  const std::vector<int32_t> prompt = {1, 9707, 28, 1050, 314, 2451, 30, 216};
  EngineRun run = run_engine(e, prompt, 64, 2, 16);
  check_against_reference(ck, prompt, run, 128, 1e-6, true);
}

TEST_CASE("untied lm_head engine (own embedding table and folded final norm) matches the reference") {
  const std::string tied = tiny_model("untied", "f32", 9);
  const std::string model = temp_dir("untied_model2");
  REQUIRE(sh("/usr/bin/python3 '" + source_dir() + "/tools/compiler/untie_lm_head.py' '" + tied + "' '" + model +
             "' 5") == 0);
  Checkpoint ck = load_checkpoint(model);
  REQUIRE_FALSE(ck.cfg.tie_embeddings);
  Engine e = compile_engine(model, "--f32 --ctx 64 --target scalar", "untied", "untied");
  EngineRun run = run_engine(e, kTinyPrompt, 24, 2, 16);
  check_against_reference(ck, kTinyPrompt, run, 64, 1e-6, true);
}

TEST_CASE("bf16 and f16 engines of stories260K and synthetic SmolLM2-135M stay within NMSE 1e-4 of the reference") {
  Checkpoint st = stories();
  for (const std::string fmt : {"bf16", "f16"}) {
    INFO("stories260K " << fmt);
    Engine e = compile_engine(stories_model(), stories_args("--" + fmt + " --target native"), "st_" + fmt, "halves_real");
    EngineRun run = run_engine(e, {1, 403, 407}, 32, 2, 16);
    check_against_reference(st, {1, 403, 407}, run, 256, 1e-4, false);
  }
  const std::string dir = temp_dir("halves_s135_model");
  REQUIRE(run_smolc("synth --preset SmolLM2-135M --seed 12 --dtype f32 -o '" + dir + "'").exit_code == 0);
  Checkpoint ck = load_checkpoint(dir);
  const std::vector<int32_t> prompt = {1, 9707, 28, 1050, 314, 2451, 30, 216};
  for (const std::string fmt : {"bf16", "f16"}) {
    INFO("SmolLM2-135M " << fmt);
    Engine e = compile_engine(dir, "--" + fmt + " --ctx 64 --target native", "s135_" + fmt, "halves_real");
    EngineRun run = run_engine(e, prompt, 16, 2, 16);
    check_against_reference(ck, prompt, run, 64, 1e-4, false);
  }
}
