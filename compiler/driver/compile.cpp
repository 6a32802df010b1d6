#include "driver/compile.h"

#include <algorithm>
#include <filesystem>

#include "common/escape.h"
#include "emit/engine_names.h"
#include "ir/graph.h"
#include "lower/lower_weights.h"
#include "passes/passes.h"
#include "tune/tuning.h"

namespace smolc {

std::string model_sha256(const Checkpoint& ck) {
  if (std::filesystem::is_regular_file(ck.path)) return sha256_file(ck.path);
  std::string s;
  for (const auto& f : ck.files) s += (s.empty() ? "" : ",") + sha256_file(f->path());
  return s;
}

std::string compile_command_line(const CompileRequest& r) {
  const CommandWords& w = r.words;
  std::string c = "smolc compile " + shell_word(w.model) + r.formats.command_flags() +
                  (r.allow_nonfinite ? " --allow-nonfinite" : "") + " --target " + shell_word(w.target);
  if (w.ctx) c += " --ctx " + std::to_string(w.ctx);
  if (r.threads) c += " --threads " + std::to_string(r.threads);
  if (!w.name.empty()) c += " --name " + shell_word(w.name);
  if (!w.out.empty()) c += " -o " + shell_word(w.out);
  if (!w.weights.empty()) c += " --weights " + shell_word(w.weights);
  if (r.kv_f16) c += " --kv f16";
  if (!w.tokenizer.empty()) c += " --tokenizer " + shell_word(w.tokenizer);
  if (!w.cxx.empty()) c += " --cxx " + shell_word(w.cxx);
  if (!w.cxxflags.empty()) c += " --cxxflags " + shell_word(w.cxxflags);
  if (!r.tune.empty()) c += " --tune " + shell_word(r.tune);
  if (w.web) c += " --web";
  return c + w.suffix;
}

CompiledEngine compile_model(const CompileRequest& r) {
  const Checkpoint& ck = *r.model;
  const target::TargetDesc& t = *r.target;
  auto progress = [&](const char* stage) {
    return [&r, stage](size_t done, size_t total) {
      if (r.progress) r.progress(stage, done, total);
    };
  };
  CompiledEngine out;
  out.name = r.name.empty() ? sanitize_c_identifier(ck.name + "_" + format_name(r.formats.base)) : r.name;
  validate_engine_name(out.name);
  out.out_dir = r.out_dir.empty() ? out.name : r.out_dir;

  ir::Graph g = passes::run_all(ir::build_llama_graph(ck.cfg), t.gate_up_block, schedule::fold_norm_gains(r.formats));
  schedule::Schedule s = schedule::make_schedule(g, t, r.formats);
  if (!r.tune.empty()) tune::apply_tuning(s, g, tune::load_for_target(r.tune, t), r.tune);

  EngineOptions& eo = out.options;
  eo.name = out.name;
  eo.command = compile_command_line(r);
  eo.ctx = r.ctx ? r.ctx : static_cast<int>(std::min<int64_t>(2048, ck.cfg.max_seq_len));
  eo.threads = r.threads;
  eo.external_weights = r.external_weights || t.wasm();  // wasm modules read DIR/NAME.weights
  eo.kv_f16 = r.kv_f16;
  eo.format_text = r.formats.describe();
  check_engine_options(ck.cfg, eo);
  WeightOptions wo;
  wo.allow_nonfinite = r.allow_nonfinite;
  wo.calibration_progress = progress("calibrating");
  out.weights = lower_weights(ck, g, s, wo, progress("packing"));
  out.sources = emit_engine(g, s, out.weights.offsets, {ck.name, &ck.tokenizer}, eo);

  BuildOptions bo;
  bo.out_dir = out.out_dir;
  bo.cxx = r.cxx.empty() ? t.cxx : r.cxx;
  bo.cxxflags = r.cxxflags;
  bo.hosted = !t.bare_metal();
  bo.ar = t.ar;
  bo.unit_flags = t.unit_flags;
  bo.emit_only = r.emit_only;
  bo.model_name = ck.name;
  bo.model_path = ck.path;
  bo.format = r.formats.describe();
  bo.target = t.name;
  bo.triple = t.triple;
  bo.source_sha256 = r.source_sha256.empty() ? model_sha256(ck) : r.source_sha256;
  bo.tuning_sha256 = r.tune.empty() ? "" : tune::tuning_hash(r.tune);
  bo.progress = progress("compiling");
  out.build = build_engine(out.sources, out.weights, eo, bo);
  return out;
}

}  // namespace smolc
