#include "tune/search.h"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "common/escape.h"
#include "emit/engine_emitter.h"
#include "emit/kernel_variant.h"
#include "emit/template_engine.h"
#include "frontend/error.h"

namespace fs = std::filesystem;

namespace smolc::tune {

namespace {

constexpr int kReps = 7;

// Seconds one candidate is expected to cost: its compile (about a second of
// one core) and its timing (a warm-up and kReps batches of >= 2 ms or one call).
// A prefill-step candidate compiles nothing (its kernel is the default gemm).
double estimate_s(const Candidate& c, const ShapeChoice& sh, int tokens) {
  const KernelSpec spec = variant_spec(c.variant, sh.M, sh.K);
  const double bytes = double(packed_weight_bytes(spec));
  const int n = c.step ? c.step : tokens;
  const double call = c.variant.op == KernelOp::Gemv
                          ? bytes / 10e9
                          : std::max(c.step ? bytes / 10e9 : 0.0, 2.0 * double(sh.M * sh.K) * n / 20e9);
  return (c.step ? 0.0 : 1.0) + (kReps + 3) * std::max(0.002, call);
}

// An attention candidate: its share of compiling the attention unit and its
// timing (about 1 ns per multiply-add of q.k and p.v).
double attention_estimate_s(int heads, int head_dim, int n, int pos) {
  const double call = 2.0 * heads * head_dim * double(n) * (pos + n) * 1e-9;
  return 0.3 + (kReps + 3) * std::max(0.002, call);
}

bool is_default(const Candidate& c, const ShapeChoice& sh) {
  return c.variant.tile_m == sh.default_tile_m &&
         (c.variant.op == KernelOp::Gemv || c.variant.tile_n == sh.default_tile_n);
}

bool has_variant(KernelOp op, Format f, Isa isa, int tile_m) {
  for (const KernelVariant& v : kernel_variants())
    if (v.op == op && v.fmt == f && v.isa == isa && v.tile_m == tile_m) return true;
  return false;
}

}  // namespace

std::string candidate_op(const Candidate& c) { return c.attn_rows ? "attention" : kernel_op_name(c.variant.op); }

Search plan_search(const schedule::Schedule& s, const ModelConfig& cfg, int threads, double budget_s) {
  Search out;
  out.threads = threads;
  out.tokens = s.target.prefill_tokens;
  out.dim = int(cfg.dim);
  out.heads = int(cfg.n_heads);
  out.kv_heads = int(cfg.n_kv_heads);
  out.head_dim = int(cfg.head_dim);
  out.layers = int(cfg.n_layers);
  // Decode at 512 positions of context (the bench's tg128 @ d512); a prefill
  // step in the middle of a 512-token prompt (pp512); both within the model's context.
  const int ctx = int(cfg.max_seq_len);
  out.attn_decode_pos = std::max(0, std::min(511, ctx - 1));
  out.attn_prefill_pos = std::max(0, std::min(256, ctx - out.tokens));
  std::vector<bool> tied;
  for (const auto& [name, spec] : s.matmul) {
    bool seen = false;
    for (size_t i = 0; i < out.shapes.size(); ++i)
      if (out.shapes[i].fmt == spec.fmt && out.shapes[i].M == spec.M && out.shapes[i].K == spec.K) {
        seen = true;
        if (s.embedding_tied && name == "lm_head") tied[i] = true;
        if (name != "lm_head") ++out.prefill_uses[i];
      }
    if (seen) continue;
    out.prefill_uses.push_back(name != "lm_head" ? 1 : 0);
    ShapeChoice sh;
    sh.fmt = spec.fmt;
    sh.M = spec.M;
    sh.K = spec.K;
    sh.tile_m = sh.default_tile_m = spec.tile_m;
    sh.tile_n = sh.default_tile_n = spec.tile_n;
    out.shapes.push_back(sh);
    tied.push_back(s.embedding_tied && name == "lm_head");
  }
  const Isa isa = s.target.isa;
  std::vector<Candidate> alts;
  for (size_t i = 0; i < out.shapes.size(); ++i) {
    const ShapeChoice& sh = out.shapes[i];
    // The defaults are the schedule's own tiles, which the kernel list need
    // not hold: the scalar target packs float formats in 4-row panels, the
    // list's scalar float kernels have 8 (those are then an alternative).
    out.candidates.push_back({i, {KernelOp::Gemv, sh.fmt, isa, sh.default_tile_m, 1}, 0});
    out.candidates.push_back({i, {KernelOp::Gemm, sh.fmt, isa, sh.default_tile_m, sh.default_tile_n}, 0});
    std::set<int> heights = {sh.default_tile_m};
    for (const KernelVariant& v : kernel_variants())
      if (v.op == KernelOp::Gemv && v.fmt == sh.fmt && v.isa == isa &&
          has_variant(KernelOp::Gemm, sh.fmt, isa, v.tile_m) && (!tied[i] || v.tile_m == sh.default_tile_m))
        heights.insert(v.tile_m);
    for (const KernelVariant& v : kernel_variants()) {
      // The bf16a gemm (--bf16-activations) is not timed: tuning times the plain kernels.
      if (v.fmt != sh.fmt || v.isa != isa || !heights.count(v.tile_m) || v.op == KernelOp::Row || v.x_bf16) continue;
      Candidate c{i, v, 0};
      if (!is_default(c, sh)) alts.push_back(c);
    }
  }
  // Alternatives of the smallest shapes first: they are the cheapest to time.
  // (std::sort over (size, list position): stable_sort's temporary buffer is
  // deprecated in this libstdc++ under -Werror.)
  std::vector<std::pair<int64_t, size_t>> order;
  for (size_t k = 0; k < alts.size(); ++k)
    order.push_back({out.shapes[alts[k].shape].M * out.shapes[alts[k].shape].K, k});
  std::sort(order.begin(), order.end());
  std::vector<Candidate> sorted;
  for (const auto& o : order) sorted.push_back(alts[o.second]);
  alts = sorted;
  // Prefill steps: the default, then half, one and a half and twice it.
  const int d = out.tokens;
  out.step = d;
  for (int p : {d, d / 2, d * 3 / 2, 2 * d})
    if (p >= 1 && p <= kMaxPrefillTokens && std::find(out.steps.begin(), out.steps.end(), p) == out.steps.end())
      out.steps.push_back(p);
  auto step_candidates = [&](int p) {
    std::vector<Candidate> v;
    for (size_t i = 0; i < out.shapes.size(); ++i) {
      const ShapeChoice& sh = out.shapes[i];
      if (out.prefill_uses[i] > 0)
        v.push_back(Candidate{i, {KernelOp::Gemm, sh.fmt, isa, sh.default_tile_m, sh.default_tile_n}, 0, p});
    }
    return v;
  };
  for (const Candidate& c : step_candidates(d)) out.candidates.push_back(c);
  double spent = 0;
  for (const Candidate& c : out.candidates) spent += estimate_s(c, out.shapes[c.shape], out.tokens);
  std::vector<int> steps = {d};
  for (size_t k = 1; k < out.steps.size(); ++k) {
    const std::vector<Candidate> v = step_candidates(out.steps[k]);
    double cost = 0;
    for (const Candidate& c : v) cost += estimate_s(c, out.shapes[c.shape], out.tokens);
    if (spent + cost > budget_s) continue;
    spent += cost;
    steps.push_back(out.steps[k]);
    out.candidates.insert(out.candidates.end(), v.begin(), v.end());
  }
  out.steps = steps;
  // Attention blocks: (rows, tokens) pairs, the default first. Decode reads
  // one token's tile whatever the tokens, so it is timed once per row count.
  const int n_pre = std::min(out.tokens, ctx);
  auto attn = [&](int rows, int tokens, int n, int pos) {
    Candidate c;
    c.attn_rows = rows;
    c.attn_tokens = tokens;
    c.attn_n = n;
    c.attn_pos = pos;
    return c;
  };
  const int dr = s.attn_rows, dt = s.attn_tokens;
  // The first decode time is the default's: the schedule's decode and prefill
  // blocks start equal (kDefaultAttnRows), so one candidate list serves both.
  if (s.attn_decode_rows != dr)
    throw std::logic_error("plan_search: a schedule whose decode attention block is not its prefill block");
  out.candidates.push_back(attn(dr, dt, 1, out.attn_decode_pos));
  out.candidates.push_back(attn(dr, dt, n_pre, out.attn_prefill_pos));
  spent += attention_estimate_s(out.heads, out.head_dim, 1, out.attn_decode_pos) +
           attention_estimate_s(out.heads, out.head_dim, n_pre, out.attn_prefill_pos);
  std::set<int> decoded = {dr};
  for (int rows : {8, 16, 32, 64})
    for (int tokens : {1, 2, 4, 8}) {
      if (rows == dr && tokens == dt) continue;
      const bool dec = !decoded.count(rows);
      const double cost = attention_estimate_s(out.heads, out.head_dim, n_pre, out.attn_prefill_pos) +
                          (dec ? attention_estimate_s(out.heads, out.head_dim, 1, out.attn_decode_pos) : 0.0);
      if (spent + cost > budget_s) continue;
      spent += cost;
      if (dec) out.candidates.push_back(attn(rows, dt, 1, out.attn_decode_pos));
      decoded.insert(rows);
      out.candidates.push_back(attn(rows, tokens, n_pre, out.attn_prefill_pos));
    }
  for (const Candidate& c : alts) {
    const double cost = estimate_s(c, out.shapes[c.shape], out.tokens);
    if (spent + cost > budget_s) continue;
    spent += cost;
    out.candidates.push_back(c);
  }
  return out;
}

std::string probe_args(int64_t l3_bytes) {
  // Four times the last-level cache, at least 256 MiB (an unknown LLC).
  const int64_t mib = std::max<int64_t>(256, 4 * (l3_bytes >> 20));
  return std::to_string(std::min<int64_t>(mib, 4096)) + " " + std::to_string(kReps);
}

std::string build_probe(const Search& search, const schedule::TargetDesc& t, const std::string& cxx,
                        const std::string& dir_arg, const std::string& model, const std::string& format,
                        const std::function<void(size_t, size_t)>& progress) {
  const std::string dir = fs::absolute(dir_arg).string();  // the compiles `cd` into it
  fs::create_directories(dir);
  std::string decls, table;
  std::vector<std::pair<std::string, std::vector<std::string>>> units;  // file, extra flags
  std::set<std::string> written;
  std::vector<std::pair<int, int>> blocks;  // the attention candidates' (rows, tokens): namespace cand_K
  int attn_ctx = 1, attn_n = 1;
  for (const Candidate& c : search.candidates)
    if (c.attn_rows) {
      attn_ctx = std::max(attn_ctx, c.attn_pos + c.attn_n);
      attn_n = std::max(attn_n, c.attn_n);
    }
  const int64_t kvdim = int64_t(search.kv_heads) * search.head_dim;
  // One layer's K and V cache: a decode candidate reads a copy at rotating
  // offsets of the cold buffer, as a gemv reads its weights.
  const int64_t layer_kv_bytes = 2 * 4 * kvdim * attn_ctx;
  for (const Candidate& c : search.candidates) {
    if (c.attn_rows) {
      const std::pair<int, int> b{c.attn_rows, c.attn_tokens};
      const size_t k = size_t(std::find(blocks.begin(), blocks.end(), b) - blocks.begin());
      if (k == blocks.size()) blocks.push_back(b);
      const bool cold = c.attn_n == 1;
      table += "    {kAttn, false, nullptr, " + std::to_string(cold ? layer_kv_bytes : 0) + "L, 0, 0, 0, " +
               std::to_string(c.attn_n) + ", " + (cold ? "true" : "false") + ", " + std::to_string(k) + ", " +
               std::to_string(c.attn_pos) + "},\n";
      continue;
    }
    const ShapeChoice& sh = search.shapes[c.shape];
    const KernelSource src = emit_variant(c.variant, sh.M, sh.K, "tune_");
    const bool a8 = uses_a8_input(sh.fmt);
    const bool gemv = c.variant.op == KernelOp::Gemv;
    if (written.insert(src.file_name).second) {
      std::ofstream(fs::path(dir) / src.file_name, std::ios::binary) << src.code;
      units.push_back({src.file_name, src.cxx_flags});
      decls += std::string("extern \"C\" void ") + src.function_name +
               (gemv ? (a8 ? "(const void*, const void*, float*, int, int);\n"
                           : "(const void*, const float*, float*, int, int);\n")
                     : (a8 ? "(const void*, const void*, int, float*, int, int, int);\n"
                           : "(const void*, const float*, int, float*, int, int, int);\n"));
    }
    // A thread's share of the rows, whole 64-row multiples (every panel height divides 64).
    const int64_t share = (sh.M + search.threads - 1) / search.threads;
    const int64_t rows = std::min<int64_t>(sh.M, (share + 63) / 64 * 64);
    const KernelSpec spec = variant_spec(c.variant, sh.M, sh.K);
    const int tokens = gemv ? 1 : c.step ? c.step : search.tokens;
    const bool cold = gemv || c.step;
    table += std::string("    {") + (gemv ? "kGemv" : "kGemm") + ", " + (a8 ? "true" : "false") +
             ", reinterpret_cast<void*>(&" + src.function_name + "), " + std::to_string(packed_weight_bytes(spec)) +
             "L, " + std::to_string(sh.M) + ", " + std::to_string(sh.K) + ", " + std::to_string(rows) + ", " +
             std::to_string(tokens) + ", " + (cold ? "true" : "false") + ", -1, 0},\n";
  }
  TemplateVars v;
  v["VERSION"] = std::string(SMOLC_VERSION);
  v["COUNT"] = int64_t(search.candidates.size());
  v["MODEL"] = c_comment(model);
  v["FORMAT"] = c_comment(format);
  v["TARGET"] = t.name;
  v["TOKENS"] = int64_t(search.tokens);
  v["STEPS"] = int64_t(search.steps.size());
  v["COLD_MIB"] = int64_t(256);
  v["REPS"] = int64_t(kReps);
  v["DECLS"] = decls;
  v["TABLE"] = table;
  const int64_t qdim = int64_t(search.heads) * search.head_dim;
  v["ATTN_LAYERS"] = int64_t(std::max(1, search.layers));
  v["ATTN_KV_FLOATS"] = kvdim * attn_ctx;  // one layer's K (or V) cache
  v["ATTN_QKV_FLOATS"] = (qdim + 2 * kvdim) * attn_n;
  v["ATTN_OUT_FLOATS"] = qdim * attn_n;
  v["ATTN_SCORES_FLOATS"] = int64_t(search.heads) * attn_n * attn_ctx;
  // The attention unit: engine/attention.inc.in once per block, in namespaces.
  TemplateVars av;
  av["VERSION"] = std::string(SMOLC_VERSION);
  av["MODEL"] = c_comment(model);
  av["TARGET"] = t.name;
  av["DIM"] = int64_t(search.dim);
  av["HEADS"] = int64_t(search.heads);
  av["KV_HEADS"] = int64_t(search.kv_heads);
  av["HEAD_DIM"] = int64_t(search.head_dim);
  av["CTX"] = int64_t(attn_ctx);
  char scale[64];
  std::snprintf(scale, sizeof scale, "%af", double(float(1.0 / std::sqrt(double(search.head_dim)))));
  av["ATTN_SCALE"] = std::string(scale);
  av["KV_F16"] = int64_t(0);
  set_attention_includes(av, t.isa);
  std::string cands, dispatch;
  for (size_t k = 0; k < blocks.size(); ++k) {
    const std::string ns = "cand_" + std::to_string(k);
    // A decode candidate of `rows` runs the namespace of its (rows, default
    // tokens) pair: its decode blocks are `rows` too.
    cands += "// kAttnRows " + std::to_string(blocks[k].first) + ", kAttnTokens " + std::to_string(blocks[k].second) +
             ", kAttnDecodeRows " + std::to_string(blocks[k].first) + "\nnamespace " + ns + " {\n" +
             render_attention(av, blocks[k].first, blocks[k].second, blocks[k].first) + "\n}  // namespace " + ns +
             "\n\n";
    dispatch += "    case " + std::to_string(k) + ":\n      tune_attention::" + ns +
                "::attention(s, 0, qkv, out);\n      break;\n";
  }
  av["CANDIDATES"] = cands;
  av["DISPATCH"] = dispatch;
  std::ofstream(fs::path(dir) / "tune-attention.cpp", std::ios::binary) << render_embedded("tune/attention.cpp.in", av);
  units.push_back({"tune-attention.cpp", t.cxx_flags()});
  std::ofstream(fs::path(dir) / "tune-probe.cpp", std::ios::binary) << render_embedded("tune/probe.cpp.in", v);
  units.push_back({"tune-probe.cpp", {}});
  // Kernels include the runtime's quant headers ("quant/smolc_quant.h" for the
  // block formats, "quant/smolc_bf16.h" for bf16 rounding), as in an engine's
  // src/runtime.
  const fs::path rt = std::getenv("SMOLC_RUNTIME_DIR") ? fs::path(std::getenv("SMOLC_RUNTIME_DIR"))
                                                       : fs::path(SMOLC_SOURCE_DIR) / "runtime";
  fs::create_directories(fs::path(dir) / "quant");
  for (const auto& e : fs::directory_iterator(rt / "quant"))
    if (e.path().extension() == ".h")
      fs::copy_file(e.path(), fs::path(dir) / "quant" / e.path().filename(), fs::copy_options::overwrite_existing);

  const bool clang = fs::path(cxx).filename().string().find("clang") != std::string::npos;
  const std::string cross = t.triple.empty() ? "" : (clang ? " --target=" + shell_quote(t.triple) : std::string());
  std::string common = " -std=c++17 -Wall -Wextra -Werror -I." + cross;
  for (const std::string& f : t.unit_flags) common += " " + shell_quote(f);
  // One compile per line, run two at a time; the probe's link follows.
  const std::string cmds = (fs::path(dir) / "compile.cmds").string();
  {
    std::ofstream c(cmds);
    for (const auto& [file, flags] : units) {
      std::string fl;
      for (const std::string& f : flags) fl += " " + shell_quote(f);
      c << "cd " << shell_quote(dir) << " && " << shell_quote(cxx) << common << fl << " -c " << shell_quote(file)
        << " -o " << shell_quote(file + ".o") << "\n";
    }
  }
  const std::string log = (fs::path(dir) / "compile.log").string();
  if (progress) progress(0, units.size() + 1);
  const std::string run =
      "xargs -P 2 -d '\\n' -I{} sh -c '{} || echo FAILED' < " + shell_quote(cmds) + " > " + shell_quote(log) + " 2>&1";
  const int st = std::system(run.c_str());
  std::stringstream ls;
  ls << std::ifstream(log).rdbuf();
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || ls.str().find("FAILED") != std::string::npos)
    throw std::runtime_error("compiling the tune probe failed (" + log + "):\n" + ls.str());
  if (progress) progress(units.size(), units.size() + 1);
  std::string objs;
  for (const auto& u : units) objs += " " + shell_quote(u.first + ".o");
  const std::string exe = (fs::path(dir) / "tune-probe").string();
  const std::string link = "cd " + shell_quote(dir) + " && " + shell_quote(cxx) + cross +
                           (t.triple.empty() ? "" : " -static") + objs + " -o tune-probe >> " + shell_quote(log) +
                           " 2>&1";
  if (std::system(link.c_str()) != 0) throw std::runtime_error("linking the tune probe failed (" + log + ")");
  if (progress) progress(units.size() + 1, units.size() + 1);
  return exe;
}

void read_probe_output(Search& search, const std::string& text, const std::string& source, CpuInfo& cpu) {
  std::istringstream in(text);
  std::vector<bool> got(search.candidates.size(), false);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    const std::string where = "line " + std::to_string(n);
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream ls(line.substr(1));
      std::string key, rest;
      ls >> key;
      std::getline(ls, rest);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      auto bytes = [&] {
        char* end = nullptr;
        const long long v = std::strtoll(rest.c_str(), &end, 10);
        if (rest.empty() || *end != '\0' || v < 0)
          throw InputError(source, where, "expected a byte count after '# " + key + "'");
        return int64_t(v);
      };
      if (key == "model")
        cpu.model = rest;
      else if (key == "flags")
        cpu.flags = rest;
      else if (key == "l1d")
        cpu.l1d_bytes = bytes();
      else if (key == "l2")
        cpu.l2_bytes = bytes();
      else if (key == "l3")
        cpu.l3_bytes = bytes();
      else
        throw InputError(source, where, "unknown CPU line '# " + key + "'");
      continue;
    }
    std::istringstream ls(line);
    long idx = -1;
    std::string op;
    double ns = -1;
    std::string extra;
    if (!(ls >> idx >> op >> ns) || (ls >> extra) || idx < 0 || size_t(idx) >= search.candidates.size() || !(ns > 0))
      throw InputError(source, where,
                       "expected 'INDEX OP NANOSECONDS' with INDEX < " + std::to_string(search.candidates.size()) +
                           " (a tune-probe of this model, "
                           "format, target and budget)");
    Candidate& c = search.candidates[size_t(idx)];
    if (op != candidate_op(c))
      throw InputError(source, where,
                       "candidate " + std::to_string(idx) + " is a " + candidate_op(c) + ", the probe says " + op +
                           " (a probe of another search)");
    c.ns = ns;
    got[size_t(idx)] = true;
  }
  for (size_t i = 0; i < got.size(); ++i)
    if (!got[i]) throw InputError(source, "candidate " + std::to_string(i), "no time (the probe stopped early?)");
}

void choose(Search& search) {
  for (size_t i = 0; i < search.shapes.size(); ++i) {
    ShapeChoice& sh = search.shapes[i];
    auto time_of = [&](KernelOp op, int tm, int tn) {
      for (const Candidate& c : search.candidates)
        if (c.shape == i && c.step == 0 && c.attn_rows == 0 && c.variant.op == op && c.variant.tile_m == tm &&
            (op == KernelOp::Gemv || c.variant.tile_n == tn))
          return c.ns;
      return 0.0;
    };
    sh.gemv_default_ns = sh.gemv_ns = time_of(KernelOp::Gemv, sh.default_tile_m, 0);
    sh.gemm_default_ns = sh.gemm_ns = time_of(KernelOp::Gemm, sh.default_tile_m, sh.default_tile_n);
    double best = 2.0;  // the default's score
    for (const Candidate& c : search.candidates) {
      if (c.shape != i || c.step != 0 || c.attn_rows != 0 || c.variant.op != KernelOp::Gemm) continue;
      const bool height = c.variant.tile_m != sh.default_tile_m;
      const double gv = height ? time_of(KernelOp::Gemv, c.variant.tile_m, 0) : sh.gemv_default_ns;
      if (gv <= 0) continue;
      // Another panel height changes the decode gemv: it must be faster there
      // by the margin, and no slower in the gemm; another token tile changes
      // the gemm only, which must then be faster by the margin.
      const bool qualifies = height ? gv < sh.gemv_default_ns * (1.0 - kMargin) && c.ns <= sh.gemm_default_ns
                                    : c.ns < sh.gemm_default_ns * (1.0 - kMargin);
      if (!qualifies) continue;
      const double score = gv / sh.gemv_default_ns + c.ns / sh.gemm_default_ns;
      if (score < best) {
        best = score;
        sh.tile_m = c.variant.tile_m;
        sh.tile_n = c.variant.tile_n;
        sh.gemv_ns = gv;
        sh.gemm_ns = c.ns;
      }
    }
  }
  search.step_times.clear();
  for (int p : search.steps) {
    double ns = 0;
    for (const Candidate& c : search.candidates)
      if (c.step == p && c.attn_rows == 0) ns += search.prefill_uses[c.shape] * c.ns;
    search.step_times.push_back({p, ns / p});
  }
  // steps[0] is the default; another must be kMargin faster per token.
  search.step = search.steps[0];
  double best = search.step_times[0].ns_per_token * (1.0 - kMargin);
  for (const PrefillStep& p : search.step_times)
    if (p.ns_per_token < best) {
      best = p.ns_per_token;
      search.step = p.tokens;
    }
  // The attention: the prefill block (rows x tokens) by its prefill time,
  // the decode block (rows) by its decode time; each pair lists its rows'
  // decode time.
  search.attn_times.clear();
  auto decode_of = [&](int rows) {
    for (const Candidate& c : search.candidates)
      if (c.attn_rows == rows && c.attn_n == 1) return c.ns;
    return 0.0;
  };
  for (const Candidate& c : search.candidates)
    if (c.attn_rows && c.attn_n != 1)
      search.attn_times.push_back({c.attn_rows, c.attn_tokens, decode_of(c.attn_rows), c.ns});
  if (search.attn_times.empty()) return;
  const AttentionTime& d = search.attn_times[0];
  search.attn_rows = d.rows;
  search.attn_tokens = d.tokens;
  search.attn_decode_rows = d.rows;
  double best_prefill = d.prefill_ns * (1.0 - kMargin), best_decode = d.decode_ns * (1.0 - kMargin);
  for (const AttentionTime& a : search.attn_times) {
    if (a.prefill_ns < best_prefill) {
      best_prefill = a.prefill_ns;
      search.attn_rows = a.rows;
      search.attn_tokens = a.tokens;
    }
    if (a.decode_ns > 0 && a.decode_ns < best_decode) {
      best_decode = a.decode_ns;
      search.attn_decode_rows = a.rows;
    }
  }
}

}  // namespace smolc::tune
