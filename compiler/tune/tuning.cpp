#include "tune/tuning.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "frontend/error.h"
#include "package/build_engine.h"
#include "schedule/kernel_list.h"

namespace smolc::tune {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path, "", "cannot open the tuning file");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string first_line_value(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t b = colon + 1;
    while (b < line.size() && line[b] == ' ') ++b;
    return line.substr(b);
  }
  return "";
}

// "32K", "1024K", "32768K", "8M" (sysfs cache size) -> bytes; 0 when unreadable.
int64_t sysfs_size(const std::string& path) {
  std::ifstream f(path);
  std::string s;
  if (!(f >> s) || s.empty()) return 0;
  int64_t n = 0;
  size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) n = n * 10 + (s[i] - '0');
  if (i < s.size() && s[i] == 'K') n <<= 10;
  if (i < s.size() && s[i] == 'M') n <<= 20;
  return n;
}

int64_t cache_bytes(int level, const char* type) {
  for (int idx = 0; idx < 8; ++idx) {
    const std::string d = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(idx) + "/";
    std::ifstream lf(d + "level"), tf(d + "type");
    int l = 0;
    std::string t;
    if (!(lf >> l) || !(tf >> t)) continue;
    if (l == level && (t == type || t == "Unified")) return sysfs_size(d + "size");
  }
  return 0;
}

[[noreturn]] void bad(const std::string& path, const std::string& field, const std::string& what) {
  throw InputError(path, field, what);
}

// Field accessors that name the field on a type or range error.
const nlohmann::json& member(const nlohmann::json& o, const char* key, const std::string& where,
                             const std::string& path) {
  if (!o.is_object()) bad(path, where, "expected an object");
  auto it = o.find(key);
  if (it == o.end()) bad(path, where.empty() ? key : where + "." + key, "missing");
  return *it;
}
std::string str(const nlohmann::json& o, const char* key, const std::string& where, const std::string& path) {
  const nlohmann::json& v = member(o, key, where, path);
  if (!v.is_string()) bad(path, (where.empty() ? "" : where + ".") + key, "expected a string");
  return v.get<std::string>();
}
int64_t integer(const nlohmann::json& o, const char* key, const std::string& where, const std::string& path, int64_t lo,
                int64_t hi) {
  const nlohmann::json& v = member(o, key, where, path);
  const std::string f = (where.empty() ? "" : where + ".") + key;
  if (!v.is_number_integer()) bad(path, f, "expected an integer");
  const int64_t n = v.get<int64_t>();
  if (n < lo || n > hi)
    bad(path, f, std::to_string(n) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  return n;
}
double number(const nlohmann::json& o, const char* key, const std::string& where, const std::string& path) {
  const nlohmann::json& v = member(o, key, where, path);
  if (!v.is_number() || v.get<double>() < 0) bad(path, where + "." + key, "expected a number >= 0");
  return v.get<double>();
}

Format format_field(const nlohmann::json& o, const std::string& where, const std::string& path) {
  const std::string f = str(o, "format", where, path);
  for (Format w : {Format::F32, Format::BF16, Format::F16, Format::Q8, Format::Q4, Format::Q16})
    if (f == format_name(w)) return w;
  bad(path, where + ".format", "'" + f + "' is not a weight format (f32, bf16, f16, q8, q4, q16)");
}

bool in_kernel_list(KernelOp op, Format f, Isa isa, int tile_m, int tile_n) {
  for (const KernelVariant& v : kernel_variants())
    if (v.op == op && v.fmt == f && v.isa == isa && v.tile_m == tile_m &&
        (op != KernelOp::Gemm || v.tile_n == tile_n) && !v.x_bf16)
      return true;
  return false;
}

}  // namespace

CpuInfo host_cpu_info() {
  CpuInfo c;
  std::ifstream f("/proc/cpuinfo");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  c.model = first_line_value(text, "model name");
  if (c.model.empty()) c.model = first_line_value(text, "CPU part");  // aarch64 kernels name the part only
  c.flags = first_line_value(text, "flags");
  if (c.flags.empty()) c.flags = first_line_value(text, "Features");
  c.l1d_bytes = cache_bytes(1, "Data");
  c.l2_bytes = cache_bytes(2, "Unified");
  c.l3_bytes = cache_bytes(3, "Unified");
  return c;
}

std::string tuning_json(const Tuning& t) {
  nlohmann::ordered_json j;
  j["smolc_tuning"] = kTuningVersion;
  j["target"] = t.target;
  j["cpu"] = {{"model", t.cpu.model},
              {"flags", t.cpu.flags},
              {"l1d_bytes", t.cpu.l1d_bytes},
              {"l2_bytes", t.cpu.l2_bytes},
              {"l3_bytes", t.cpu.l3_bytes}};
  j["smolc_version"] = t.smolc_version;
  j["model"] = t.model;
  j["format"] = t.format;
  j["threads"] = t.threads;
  j["tokens"] = t.tokens;
  j["runner"] = t.runner;
  j["emulated"] = t.emulated;
  nlohmann::ordered_json shapes = nlohmann::ordered_json::array();
  for (const ShapeChoice& s : t.shapes)
    shapes.push_back({{"format", format_name(s.fmt)},
                      {"M", s.M},
                      {"K", s.K},
                      {"tile_m", s.tile_m},
                      {"tile_n", s.tile_n},
                      {"default_tile_m", s.default_tile_m},
                      {"default_tile_n", s.default_tile_n},
                      {"gemv_default_ns", s.gemv_default_ns},
                      {"gemv_ns", s.gemv_ns},
                      {"gemm_default_ns", s.gemm_default_ns},
                      {"gemm_ns", s.gemm_ns}});
  j["shapes"] = shapes;
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const PrefillStep& p : t.prefill_steps)
    steps.push_back({{"tokens", p.tokens}, {"ns_per_token", p.ns_per_token}});
  j["prefill"] = {{"tokens", t.prefill_tokens}, {"default_tokens", t.default_prefill_tokens}, {"steps", steps}};
  nlohmann::ordered_json att = nlohmann::ordered_json::array();
  for (const AttentionTime& a : t.attn_times)
    att.push_back({{"rows", a.rows}, {"tokens", a.tokens}, {"decode_ns", a.decode_ns}, {"prefill_ns", a.prefill_ns}});
  j["attention"] = {{"rows", t.attn_rows},
                    {"tokens", t.attn_tokens},
                    {"decode_rows", t.attn_decode_rows},
                    {"default_rows", t.default_attn_rows},
                    {"default_tokens", t.default_attn_tokens},
                    {"default_decode_rows", t.default_attn_decode_rows},
                    {"decode_pos", t.attn_decode_pos},
                    {"prefill_pos", t.attn_prefill_pos},
                    {"prefill_tokens", t.attn_prefill_tokens},
                    {"candidates", att}};
  const Verification& v = t.verification;
  nlohmann::ordered_json runs = nlohmann::ordered_json::array(), stages = nlohmann::ordered_json::array();
  for (const VerifyRun& r : v.runs)
    runs.push_back({{"stage", r.stage},
                    {"round", r.round},
                    {"threads", r.threads},
                    {"engine", r.tuned ? "tuned" : "default"},
                    {"pp512", r.pp512},
                    {"tg128", r.tg128},
                    {"tg128_d512", r.tg128_d512}});
  for (const PhaseRatios& r : v.stages) stages.push_back({{"prefill_ratio", r.prefill}, {"decode_ratio", r.decode}});
  j["verification"] = {{"ran", v.ran},         {"note", v.note},     {"rounds", v.rounds}, {"threads", v.threads},
                       {"prefill", v.prefill}, {"decode", v.decode}, {"stages", stages},   {"runs", runs}};
  return j.dump(2) + "\n";
}

void write_tuning(const Tuning& t, const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  f << tuning_json(t);
  f.close();
  if (!f) throw InputError(path, "", "cannot write the tuning file");
}

Tuning parse_tuning(const std::string& text, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    bad(path, "offset " + std::to_string(e.byte), "not JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object()) bad(path, "", "expected a JSON object (a smolc tuning file)");
  const int version = int(integer(j, "smolc_tuning", "", path, 1, kTuningVersion));
  if (version < kTuningVersion)
    bad(path, "smolc_tuning",
        "version " + std::to_string(version) + " was written by an older smolc tune, whose rules could make decode " +
            "slower to make prefill faster; run smolc tune again (it writes version " + std::to_string(kTuningVersion) +
            ")");
  Tuning t;
  t.target = str(j, "target", "", path);
  const nlohmann::json& cpu = member(j, "cpu", "", path);
  t.cpu.model = str(cpu, "model", "cpu", path);
  t.cpu.flags = str(cpu, "flags", "cpu", path);
  t.cpu.l1d_bytes = integer(cpu, "l1d_bytes", "cpu", path, 0, int64_t(1) << 40);
  t.cpu.l2_bytes = integer(cpu, "l2_bytes", "cpu", path, 0, int64_t(1) << 40);
  t.cpu.l3_bytes = integer(cpu, "l3_bytes", "cpu", path, 0, int64_t(1) << 40);
  t.smolc_version = str(j, "smolc_version", "", path);
  t.model = str(j, "model", "", path);
  t.format = str(j, "format", "", path);
  t.threads = int(integer(j, "threads", "", path, 1, 64));
  t.tokens = int(integer(j, "tokens", "", path, 1, 4096));
  t.runner = str(j, "runner", "", path);
  const nlohmann::json& em = member(j, "emulated", "", path);
  if (!em.is_boolean()) bad(path, "emulated", "expected true or false");
  t.emulated = em.get<bool>();
  const nlohmann::json& shapes = member(j, "shapes", "", path);
  if (!shapes.is_array()) bad(path, "shapes", "expected an array");
  for (size_t i = 0; i < shapes.size(); ++i) {
    const std::string w = "shapes[" + std::to_string(i) + "]";
    const nlohmann::json& o = shapes[i];
    ShapeChoice s;
    s.fmt = format_field(o, w, path);
    s.M = integer(o, "M", w, path, 1, int64_t(1) << 24);
    s.K = integer(o, "K", w, path, 1, int64_t(1) << 20);
    s.tile_m = int(integer(o, "tile_m", w, path, 1, 256));
    s.tile_n = int(integer(o, "tile_n", w, path, 1, 16));
    s.default_tile_m = int(integer(o, "default_tile_m", w, path, 1, 256));
    s.default_tile_n = int(integer(o, "default_tile_n", w, path, 1, 16));
    s.gemv_default_ns = number(o, "gemv_default_ns", w, path);
    s.gemv_ns = number(o, "gemv_ns", w, path);
    s.gemm_default_ns = number(o, "gemm_default_ns", w, path);
    s.gemm_ns = number(o, "gemm_ns", w, path);
    for (size_t k = 0; k < i; ++k)
      if (t.shapes[k].fmt == s.fmt && t.shapes[k].M == s.M && t.shapes[k].K == s.K)
        bad(path, w, "repeats the shape of shapes[" + std::to_string(k) + "]");
    t.shapes.push_back(s);
  }
  const nlohmann::json& pre = member(j, "prefill", "", path);
  t.prefill_tokens = int(integer(pre, "tokens", "prefill", path, 1, kMaxPrefillTokens));
  t.default_prefill_tokens = int(integer(pre, "default_tokens", "prefill", path, 1, kMaxPrefillTokens));
  const nlohmann::json& steps = member(pre, "steps", "prefill", path);
  if (!steps.is_array()) bad(path, "prefill.steps", "expected an array");
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string w = "prefill.steps[" + std::to_string(i) + "]";
    PrefillStep p;
    p.tokens = int(integer(steps[i], "tokens", w, path, 1, kMaxPrefillTokens));
    p.ns_per_token = number(steps[i], "ns_per_token", w, path);
    t.prefill_steps.push_back(p);
  }
  const nlohmann::json& at = member(j, "attention", "", path);
  t.attn_rows = int(integer(at, "rows", "attention", path, 1, kMaxAttnRows));
  t.attn_tokens = int(integer(at, "tokens", "attention", path, 1, kMaxAttnTokens));
  t.default_attn_rows = int(integer(at, "default_rows", "attention", path, 1, kMaxAttnRows));
  t.default_attn_tokens = int(integer(at, "default_tokens", "attention", path, 1, kMaxAttnTokens));
  t.attn_decode_rows = int(integer(at, "decode_rows", "attention", path, 1, kMaxAttnRows));
  t.default_attn_decode_rows = int(integer(at, "default_decode_rows", "attention", path, 1, kMaxAttnRows));
  t.attn_decode_pos = int(integer(at, "decode_pos", "attention", path, 0, 1 << 20));
  t.attn_prefill_pos = int(integer(at, "prefill_pos", "attention", path, 0, 1 << 20));
  t.attn_prefill_tokens = int(integer(at, "prefill_tokens", "attention", path, 1, kMaxPrefillTokens));
  const nlohmann::json& cands = member(at, "candidates", "attention", path);
  if (!cands.is_array()) bad(path, "attention.candidates", "expected an array");
  for (size_t i = 0; i < cands.size(); ++i) {
    const std::string w = "attention.candidates[" + std::to_string(i) + "]";
    AttentionTime a;
    a.rows = int(integer(cands[i], "rows", w, path, 1, kMaxAttnRows));
    a.tokens = int(integer(cands[i], "tokens", w, path, 1, kMaxAttnTokens));
    a.decode_ns = number(cands[i], "decode_ns", w, path);
    a.prefill_ns = number(cands[i], "prefill_ns", w, path);
    t.attn_times.push_back(a);
  }
  // Optional: files written with --no-verify before it existed have none.
  if (j.contains("verification")) {
    const nlohmann::json& vj = j["verification"];
    Verification& v = t.verification;
    const nlohmann::json& ran = member(vj, "ran", "verification", path);
    if (!ran.is_boolean()) bad(path, "verification.ran", "expected true or false");
    v.ran = ran.get<bool>();
    v.note = str(vj, "note", "verification", path);
    v.rounds = int(integer(vj, "rounds", "verification", path, 0, 1000));
    const nlohmann::json& th = member(vj, "threads", "verification", path);
    if (!th.is_array()) bad(path, "verification.threads", "expected an array");
    for (size_t i = 0; i < th.size(); ++i) {
      if (!th[i].is_number_integer() || th[i].get<int64_t>() < 1 || th[i].get<int64_t>() > 64)
        bad(path, "verification.threads[" + std::to_string(i) + "]", "expected an integer 1..64");
      v.threads.push_back(th[i].get<int>());
    }
    for (const char* phase : {"prefill", "decode"}) {
      const std::string o = str(vj, phase, "verification", path);
      if (o != "default" && o != "kept" && o != "reverted")
        bad(path, std::string("verification.") + phase, "'" + o + "' is not default, kept or reverted");
      (std::string(phase) == "prefill" ? v.prefill : v.decode) = o;
    }
    const nlohmann::json& st = member(vj, "stages", "verification", path);
    if (!st.is_array()) bad(path, "verification.stages", "expected an array");
    for (size_t i = 0; i < st.size(); ++i) {
      const std::string w = "verification.stages[" + std::to_string(i) + "]";
      v.stages.push_back({number(st[i], "prefill_ratio", w, path), number(st[i], "decode_ratio", w, path)});
    }
    const nlohmann::json& rs = member(vj, "runs", "verification", path);
    if (!rs.is_array()) bad(path, "verification.runs", "expected an array");
    for (size_t i = 0; i < rs.size(); ++i) {
      const std::string w = "verification.runs[" + std::to_string(i) + "]";
      VerifyRun r;
      r.stage = int(integer(rs[i], "stage", w, path, 1, 2));
      r.round = int(integer(rs[i], "round", w, path, 1, 1000));
      r.threads = int(integer(rs[i], "threads", w, path, 1, 64));
      const std::string e = str(rs[i], "engine", w, path);
      if (e != "tuned" && e != "default") bad(path, w + ".engine", "'" + e + "' is not tuned or default");
      r.tuned = e == "tuned";
      r.pp512 = number(rs[i], "pp512", w, path);
      r.tg128 = number(rs[i], "tg128", w, path);
      r.tg128_d512 = number(rs[i], "tg128_d512", w, path);
      v.runs.push_back(r);
    }
  }
  return t;
}

Tuning read_tuning(const std::string& path) { return parse_tuning(slurp(path), path); }

std::string tuning_hash(const std::string& path) {
  slurp(path);  // InputError naming the file when it is unreadable
  return sha256_file(path);
}

void check_tuning_target(const Tuning& t, const schedule::TargetDesc& target, const std::string& path) {
  if (t.target != target.name)
    throw InputError(path, "target",
                     "the file was tuned for target '" + t.target + "', not '" + target.name +
                         "'; tune again with smolc tune --target " + target.name);
  const CpuInfo here = host_cpu_info();
  if (t.cpu.model != here.model)
    std::fprintf(stderr,
                 "smolc: warning: %s: cpu.model: tuned on '%s', this CPU is '%s'; the choices may not be the "
                 "fastest here\n",
                 path.c_str(), t.cpu.model.c_str(), here.model.c_str());
  if (t.emulated)
    std::fprintf(stderr, "smolc: warning: %s: emulated: its times were taken under an emulator and are not speeds\n",
                 path.c_str());
}

void apply_tuning(schedule::Schedule& s, const ir::Graph& g, const Tuning& t, const std::string& path) {
  for (size_t i = 0; i < t.shapes.size(); ++i) {
    const ShapeChoice& c = t.shapes[i];
    const std::string w = "shapes[" + std::to_string(i) + "]";
    const Isa isa = s.target.isa;
    // The schedule's own tiles for this shape need no kernel-list entry (the
    // scalar target's 4-row float panels have none): they are what it emits.
    bool as_scheduled = false;
    for (const auto& [name, spec] : s.matmul)
      as_scheduled |=
          spec.fmt == c.fmt && spec.M == c.M && spec.K == c.K && spec.tile_m == c.tile_m && spec.tile_n == c.tile_n;
    if (as_scheduled) continue;
    if (!in_kernel_list(KernelOp::Gemv, c.fmt, isa, c.tile_m, 1))
      bad(path, w + ".tile_m",
          std::to_string(c.tile_m) + " names no " + format_name(c.fmt) + " gemv kernel for " + isa_name(isa) +
              " in the kernel list");
    if (!in_kernel_list(KernelOp::Gemm, c.fmt, isa, c.tile_m, c.tile_n))
      bad(path, w + ".tile_n",
          std::to_string(c.tile_m) + "r" + std::to_string(c.tile_n) + "t names no " + format_name(c.fmt) +
              " gemm kernel for " + isa_name(isa) + " in the kernel list");
    for (auto& [name, spec] : s.matmul) {
      if (spec.fmt != c.fmt || spec.M != c.M || spec.K != c.K) continue;
      const bool tied_head = s.embedding_tied && name == "lm_head";
      if (tied_head && spec.tile_m != c.tile_m && !in_kernel_list(KernelOp::Row, c.fmt, isa, c.tile_m, 1))
        bad(path, w + ".tile_m",
            std::to_string(c.tile_m) +
                " rows: the tied embedding reads the lm_head panels and "
                "the kernel list has no such row kernel");
      spec.tile_m = c.tile_m;
      spec.tile_n = c.tile_n;
      if (tied_head) s.embedding = spec;
    }
  }
  // The prefill step sizes the state's scratch and the forward loop only;
  // every kernel takes any token count (tiles and a tail), so no further check.
  s.target.prefill_tokens = t.prefill_tokens;
  // Any block and tile is valid attention (blocks and tiles end in tails);
  // the file's range bounds the stack arrays they size.
  s.attn_rows = t.attn_rows;
  s.attn_tokens = t.attn_tokens;
  s.attn_decode_rows = t.attn_decode_rows;
  schedule::set_thread_grains(s, g);
}

Tuning load_for_target(const std::string& path, const schedule::TargetDesc& target) {
  Tuning t = read_tuning(path);
  check_tuning_target(t, target, path);
  return t;
}

}  // namespace smolc::tune
