#include "schedule/schedule.h"

#include <fnmatch.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <stdexcept>

#include "frontend/error.h"
#include "schedule/kernel_list.h"

namespace smolc::schedule {

namespace {

TargetDesc cortex_m(const std::string& name, int tile_m, std::vector<std::string> cpu, const std::string& multilib,
                    const std::string& machine) {
  const std::vector<WFormat> all = {WFormat::F32, WFormat::BF16, WFormat::F16,
                                     WFormat::Q8,  WFormat::Q4,   WFormat::Q16};
  // 4-token prefill steps (one gemm tile): the state holds a logits row per
  // step token (vocab floats each), 3 MiB of RAM for SmolLM2's vocabulary at
  // 16 tokens, 0.75 MiB at 4.
  TargetDesc t{name, Isa::Scalar, all, tile_m, 4, 4, 16, {}, ""};
  // -O3: GCC's -O2 does not completely unroll the kernels' kTileM row loops,
  // so the accumulators live in memory, a load and a store per multiply-add
  // (measured, stories260K f32 on the Cortex-M4: 2.95M instructions per
  // decoded token at -O2, 1.41M at -O3).
  t.unit_flags = {"-O3", "-mthumb"};
  t.unit_flags.insert(t.unit_flags.end(), cpu.begin(), cpu.end());
  for (const char* f : {"-ffreestanding", "-fbuiltin", "-fno-math-errno", "-ffunction-sections", "-fdata-sections"})
    t.unit_flags.push_back(f);
  t.triple = "arm-none-eabi";
  t.cxx = "arm-none-eabi-g++";
  t.ar = "arm-none-eabi-ar";
  t.multilib = multilib;
  t.qemu_machine = machine;
  return t;
}

// WebAssembly (docs/targets.md#wasm32-and-wasm32-simd128): clang-19 for
// wasm32-wasi against Debian's wasi-libc (the engine uses only mem* and libm
// of it). One thread (the serial platform: the runtime sees no __unix__);
// -O2 without -fPIC, which on wasm asks for a dynamic-linking module. Weights
// are always the external DIR/NAME.weights file (the module and the page
// fetch it; no per-toolchain .S). tile_m 8: 8-row x 4-token float gemm tiles
// keep 8 accumulators in the 16 xmm registers V8 maps v128 to on x86.
TargetDesc wasm(const std::string& name, Isa isa, std::vector<std::string> cxx_flags) {
  const std::vector<WFormat> all = {WFormat::F32, WFormat::BF16, WFormat::F16,
                                     WFormat::Q8,  WFormat::Q4,   WFormat::Q16};
  TargetDesc t{name, isa, all, 8, 4, 16, 16, std::move(cxx_flags), "wasm32-wasi"};
  t.unit_flags = {"-O2"};
  return t;
}

}  // namespace

const std::vector<TargetDesc>& target_table() {
  // Tile sizes are starting points; measured tuning replaces them.
  const std::vector<WFormat> all = {WFormat::F32, WFormat::BF16, WFormat::F16,
                                     WFormat::Q8,  WFormat::Q4,   WFormat::Q16};
  static const std::vector<TargetDesc> t = {
      {"scalar", Isa::Scalar, all, 4, 4, 16, 16, {}, ""},
      // avx2: 16 rows x 6 tokens is the measured best gemm tile (docs/kernels.md:
      // 82-85 GFLOP/s vs 42-45 for 8x4); 48-token prefill steps are 8 whole tiles.
      {"avx2", Isa::AVX2, all, 16, 6, 48, 16, {"-mavx2", "-mfma", "-mf16c"}, ""},
      {"avx512", Isa::AVX512, all, 32, 8, 32, 16,
       {"-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512bf16", "-mfma", "-mf16c"}, ""},
      // aarch64: 16 rows (4 q registers) x 4 tokens, 32-token prefill steps;
      // not measured (no board here), see docs/targets.md.
      {"aarch64", Isa::NEON, all, 16, 4, 32, 16, {}, "aarch64-linux-gnu"},
      {"aarch64-dotprod", Isa::NEON_DOT, all, 16, 4, 32, 16, {"-march=armv8.2-a+dotprod+fp16"}, "aarch64-linux-gnu"},
      // aarch64-i8mm: decode as aarch64-dotprod (sdot), q8/q4 prefill by smmla.
      {"aarch64-i8mm", Isa::NEON_I8MM, all, 16, 4, 32, 16, {"-march=armv8.6-a+i8mm+bf16+dotprod+fp16"},
       "aarch64-linux-gnu"},
      // Bare-metal Cortex-M (docs/firmware.md): the scalar kernels (with
      // Helium paths where the core has MVE) compiled for the core by
      // arm-none-eabi-g++ against newlib's headers. The engine needs nothing
      // of the C library beyond mem* and libm, so the units are freestanding;
      // -fbuiltin undoes the -fno-builtin that -ffreestanding implies, or
      // every 2-byte memcpy of a block scale becomes a library call (measured:
      // most of a q8 decode step), and -fno-math-errno keeps sqrtf one VSQRT.
      // tile_m (float formats; block formats keep their own): 16 rows on the
      // M55 are four Helium accumulators per column of x, 8 on the M4/M7
      // eight FPU ones (measured, stories260K f32 per decoded token: M55
      // 602K instructions at 4 rows, 548K at 16; M4 1.41M at 4, 1.28M at 8).
      cortex_m("cortex-m55", 16, {"-mcpu=cortex-m55", "-mfloat-abi=hard"}, "thumb/v8-m.main+dp/hard", "mps3-an547"),
      cortex_m("cortex-m7", 8, {"-mcpu=cortex-m7", "-mfpu=fpv5-d16", "-mfloat-abi=hard"}, "thumb/v7e-m+dp/hard",
               "mps2-an500"),
      cortex_m("cortex-m4", 8, {"-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"}, "thumb/v7e-m+fp/hard",
               "mps2-an386"),
      wasm("wasm32", Isa::Scalar, {}),
      wasm("wasm32-simd128", Isa::WASM_SIMD128, {"-msimd128"}),
  };
  return t;
}

const TargetDesc& find_target(const std::string& name) {
  if (name == "native") {
    const Isa host = detect_host_isa();
    for (const TargetDesc& t : target_table())
      if (t.isa == host) return t;
  }
  for (const TargetDesc& t : target_table())
    if (t.name == name) return t;
  std::string names = "native";
  for (const TargetDesc& t : target_table()) names += ", " + t.name;
  throw std::invalid_argument("unknown target '" + name + "' (expected one of: " + names + ")");
}

const TargetDesc& target_flag(const std::string& name, bool must_run_here) {
  const TargetDesc* t = nullptr;
  try {
    t = &find_target(name);
  } catch (const std::invalid_argument& e) {
    throw InputError("command line", "--target", e.what());
  }
  if (must_run_here && t->bare_metal())
    throw InputError("command line", "--target", "'" + t->name + "' is a bare-metal " + t->triple +
                                                     " target; build an image with tools/firmware-demo.sh and run it "
                                                     "under qemu-system-arm -M " + t->qemu_machine);
  if (must_run_here && !host_supports(t->isa))
    throw InputError("command line", "--target", "'" + t->name + "' cannot run on this CPU (host ISA: " +
                                                     isa_name(detect_host_isa()) + ")");
  return *t;
}

std::string FormatPlan::describe() const {
  std::string d = wformat_name(base);
  if (q4_all) d += " --q4-all";
  for (const auto& [pattern, f] : keep) d += " --keep " + pattern + "=" + wformat_name(f);
  if (!calibrate) d += " --no-calibrate";
  return d;
}

std::string FormatPlan::command_flags() const {
  std::string c = " --" + std::string(wformat_name(base)) + (q4_all ? " --q4-all" : "");
  for (const auto& [pattern, f] : keep) c += " --keep '" + pattern + "=" + wformat_name(f) + "'";
  if (!calibrate) c += " --no-calibrate";
  return c;
}

WFormat parse_wformat(const std::string& text, const std::string& where) {
  for (WFormat f : {WFormat::F32, WFormat::BF16, WFormat::F16, WFormat::Q8, WFormat::Q4, WFormat::Q16})
    if (text == wformat_name(f)) return f;
  throw InputError("command line", where, "'" + text + "' is not a format (expected f32, bf16, f16, q8, q4 or q16)");
}

std::pair<std::string, WFormat> parse_keep(const std::string& arg) {
  const size_t eq = arg.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    throw InputError("command line", "--keep " + arg, "expected PATTERN=FORMAT, e.g. lm_head=q8 or 'layers.0.*'=bf16");
  return {arg.substr(0, eq), parse_wformat(arg.substr(eq + 1), "--keep " + arg)};
}

bool fold_norm_gains(const FormatPlan& plan) {
  if (is_quantized(plan.base)) return false;
  for (const auto& k : plan.keep)
    if (is_quantized(k.second)) return false;
  return true;
}

namespace {

// "model.layers.3.self_attn.q_proj.weight" -> "layers.3.self_attn.q_proj".
std::string short_name(const std::string& hf) {
  std::string s = hf;
  if (s.rfind("model.", 0) == 0) s = s.substr(6);
  const std::string w = ".weight";
  if (s.size() > w.size() && s.compare(s.size() - w.size(), w.size(), w) == 0) s.resize(s.size() - w.size());
  return s;
}

bool glob(const std::string& pattern, const std::string& name) {
  return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

// The names a --keep pattern can match for one op: its tensors, and "lm_head"
// for the classifier whatever matrix it reads.
std::vector<std::string> op_names(const ir::Op& op) {
  std::vector<std::string> n;
  for (const std::string& p : op.weight.parts) n.push_back(short_name(p));
  if (op.kind == ir::OpKind::LmHead && std::find(n.begin(), n.end(), "lm_head") == n.end()) n.push_back("lm_head");
  return n;
}

int tile_m_for(const TargetDesc& t, WFormat f) {
  return is_quantized(f) ? default_tile_m(f, t.isa) : t.tile_m;
}

}  // namespace

void set_thread_grains(Schedule& s, const ir::Graph& g) {
  const int head_dim = static_cast<int>(g.cfg.head_dim);
  s.qkv_grain_heads = 1;
  s.swiglu_grain_blocks = 1;
  for (const ir::Op& op : g.ops) {
    auto it = s.matmul.find(op.name);
    if (it == s.matmul.end()) continue;
    const int tm = it->second.tile_m;
    // The QKV epilogue hands whole heads to a thread, the SwiGLU one whole
    // gate/up block pairs: a work unit is as many of those as it takes to
    // start every thread's rows on a panel boundary.
    if (op.epilogue == ir::Epilogue::RopeKvWrite) s.qkv_grain_heads = tm / std::gcd(tm, head_dim);
    if (op.epilogue == ir::Epilogue::SwiGLU)
      s.swiglu_grain_blocks = tm / std::gcd(tm, static_cast<int>(2 * op.weight.interleave_block));
  }
}

Schedule make_schedule(const ir::Graph& g, const TargetDesc& t, const FormatPlan& plan) {
  Schedule s;
  s.target = t;
  s.format = plan.base;
  s.calibrate = plan.calibrate;
  std::vector<bool> rule_used(plan.keep.size(), false);
  // The format of one weight-carrying op: base, the q4 classifier policy, then the rules.
  auto format_of = [&](const ir::Op& op) {
    WFormat f = plan.base;
    const bool classifier = op.kind == ir::OpKind::LmHead || op.kind == ir::OpKind::Embedding;
    if (classifier && f == WFormat::Q4 && !plan.q4_all) f = WFormat::Q8;
    const std::vector<std::string> names = op_names(op);
    for (size_t i = 0; i < plan.keep.size(); ++i) {
      const auto& [pattern, rf] = plan.keep[i];
      size_t hits = 0;
      for (const std::string& n : names) hits += glob(pattern, n);
      // "lm_head" is an alias of the classifier, not a part of a fusion.
      const size_t parts = op.weight.parts.size();
      if (hits == 0) continue;
      rule_used[i] = true;
      size_t part_hits = 0;
      for (size_t p = 0; p < parts; ++p) part_hits += glob(pattern, names[p]);
      if (part_hits != 0 && part_hits != parts) {
        std::string list;
        for (size_t p = 0; p < parts; ++p) list += (p ? ", " : "") + names[p];
        throw InputError("command line", "--keep " + pattern + "=" + wformat_name(rf),
                         "matches only part of the fused projection " + op.name + " (" + list +
                             "); give all of them the same format");
      }
      f = rf;
    }
    if (std::find(t.formats.begin(), t.formats.end(), f) == t.formats.end())
      throw InputError("command line", std::string("--") + wformat_name(f),
                       "target " + t.name + " has no " + wformat_name(f) + " kernels");
    return f;
  };
  for (const ir::Op& op : g.ops) {
    if (op.kind != ir::OpKind::MatMul && op.kind != ir::OpKind::LmHead) continue;
    KernelSpec k;
    k.fmt = format_of(op);
    k.isa = t.isa;
    k.M = op.weight.rows;
    k.K = op.weight.cols;
    k.tile_m = tile_m_for(t, k.fmt);
    k.tile_n = t.tile_n;
    s.matmul[op.name] = k;
  }
  set_thread_grains(s, g);
  for (const ir::Op& op : g.ops) {
    if (op.kind != ir::OpKind::Embedding) continue;
    auto lm = s.matmul.find("lm_head");
    const ir::Op* head = nullptr;
    for (const ir::Op& o : g.ops)
      if (o.kind == ir::OpKind::LmHead) head = &o;
    if (head && lm != s.matmul.end() && head->weight == op.weight) {
      s.embedding = lm->second;  // tied: one packed matrix serves both
      s.embedding_tied = true;
    } else {
      KernelSpec k;
      k.fmt = format_of(op);
      k.isa = Isa::Scalar;
      k.M = op.weight.rows;
      k.K = op.weight.cols;
      k.tile_m = is_quantized(k.fmt) ? default_tile_m(k.fmt, Isa::Scalar) : 1;
      k.tile_n = 1;
      s.embedding = k;
    }
  }
  for (size_t i = 0; i < plan.keep.size(); ++i)
    if (!rule_used[i])
      throw InputError("command line", "--keep " + plan.keep[i].first + "=" + wformat_name(plan.keep[i].second),
                       "matches no tensor (names look like layers.0.self_attn.q_proj, layers.0.mlp.down_proj, "
                       "embed_tokens, lm_head)");
  return s;
}

}  // namespace smolc::schedule
