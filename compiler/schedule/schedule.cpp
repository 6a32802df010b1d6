#include "schedule/schedule.h"

#include <fnmatch.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <stdexcept>

#include "frontend/error.h"
#include "schedule/kernel_list.h"

namespace smolc::schedule {

std::string FormatPlan::describe() const {
  std::string d = format_name(base);
  if (q4_all) d += " --q4-all";
  for (const auto& [pattern, f] : keep) d += " --keep " + pattern + "=" + format_name(f);
  if (!calibrate) d += " --no-calibrate";
  if (bf16_activations) d += " --bf16-activations";
  return d;
}

std::string FormatPlan::command_flags() const {
  std::string c = " --" + std::string(format_name(base)) + (q4_all ? " --q4-all" : "");
  for (const auto& [pattern, f] : keep) c += " --keep '" + pattern + "=" + format_name(f) + "'";
  if (!calibrate) c += " --no-calibrate";
  if (bf16_activations) c += " --bf16-activations";
  return c;
}

std::pair<std::string, Format> parse_keep(const std::string& arg) {
  const size_t eq = arg.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    throw InputError("command line", "--keep " + arg, "expected PATTERN=FORMAT, e.g. lm_head=q8 or 'layers.0.*'=bf16");
  return {arg.substr(0, eq), parse_format(arg.substr(eq + 1), "--keep " + arg)};
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
  if (plan.bf16_activations && plan.base != Format::BF16)
    throw InputError("command line", "--bf16-activations", "only applies to --bf16");
  s.bf16_activations = plan.bf16_activations;
  std::vector<bool> rule_used(plan.keep.size(), false);
  // The format of one weight-carrying op: base, the q4 classifier policy, then the rules.
  auto format_of = [&](const ir::Op& op) {
    Format f = plan.base;
    const bool classifier = op.kind == ir::OpKind::LmHead || op.kind == ir::OpKind::Embedding;
    if (classifier && f == Format::Q4 && !plan.q4_all) f = Format::Q8;
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
        throw InputError("command line", "--keep " + pattern + "=" + format_name(rf),
                         "matches only part of the fused projection " + op.name + " (" + list +
                             "); give all of them the same format");
      }
      f = rf;
    }
    if (std::find(t.formats.begin(), t.formats.end(), f) == t.formats.end())
      throw InputError("command line", std::string("--") + format_name(f),
                       "target " + t.name + " has no " + format_name(f) + " kernels");
    return f;
  };
  for (const ir::Op& op : g.ops) {
    if (op.kind != ir::OpKind::MatMul && op.kind != ir::OpKind::LmHead) continue;
    KernelSpec k;
    k.fmt = format_of(op);
    k.isa = t.isa;
    k.M = op.weight.rows;
    k.K = op.weight.cols;
    k.tile_m = t.tile(k.fmt).m;
    k.tile_n = t.tile(k.fmt).n;
    k.x_bf16 = plan.bf16_activations;
    // The kernel tests run every listed variant: a schedule outside the list
    // would ship kernels no test has run.
    if (!listed(KernelOp::Gemv, k) || !listed(KernelOp::Gemm, k))
      throw std::logic_error("schedule: target " + t.name + " picks " + format_name(k.fmt) + " " +
                             std::to_string(k.tile_m) + "r" + std::to_string(k.tile_n) + "t " + isa_name(k.isa) +
                             " kernels, which are not in the kernel list");
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
      // Float rows are copied one at a time; block rows keep the scalar
      // ISA's panel (the scalar row kernel reads the packed layout).
      k.tile_m = is_quantized(k.fmt) ? target::isa_target(Isa::Scalar).tile(k.fmt).m : 1;
      k.tile_n = 1;
      s.embedding = k;
    }
  }
  for (size_t i = 0; i < plan.keep.size(); ++i)
    if (!rule_used[i])
      throw InputError("command line", "--keep " + plan.keep[i].first + "=" + format_name(plan.keep[i].second),
                       "matches no tensor (names look like layers.0.self_attn.q_proj, layers.0.mlp.down_proj, "
                       "embed_tokens, lm_head)");
  return s;
}

}  // namespace smolc::schedule
