// The weight-format flags shared by `smolc compile`, `run` and `bench`:
// --f32 --bf16 --f16 --q8 --q4 --q16 (one per Format), --q4-all, --keep PATTERN=FORMAT,
// --no-calibrate and --allow-nonfinite, turned into a schedule::FormatPlan;
// and the KV cache type flag --kv of `smolc compile` and `bench`.
#pragma once
#include <CLI/CLI.hpp>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "frontend/error.h"
#include "schedule/schedule.h"

namespace smolc::cli {

struct FormatFlags {
  // given[f]: --NAME of format f (format_name) was given.
  std::array<bool, kFormats> given{};
  bool q4_all = false, allow_nonfinite = false, no_calibrate = false, bf16_activations = false;
  std::vector<std::string> keep;

  void add_to(CLI::App& app) {
    for (Format f : kAllFormats)
      app.add_flag(std::string("--") + format_name(f), given[static_cast<size_t>(f)], help(f));
    app.add_flag("--q4-all", q4_all, "with --q4: the lm_head / tied embedding in q4 too");
    app.add_option("--keep", keep,
                   "PATTERN=FORMAT: tensors matching the glob keep FORMAT (repeatable; e.g. lm_head=q8)");
    app.add_flag("--no-calibrate", no_calibrate,
                 "q8/q4: weigh the scale searches by the norm gains only, without sampling the model for "
                 "activation statistics (docs/quant-formats.md)");
    app.add_flag("--bf16-activations", bf16_activations,
                 "with --bf16: round every matmul's input activations to bf16 (round to nearest even) once, as "
                 "PyTorch bf16 inference and llama.cpp do (faster AVX-512 prefill, less accurate; docs/compiler.md)");
    app.add_flag("--allow-nonfinite", allow_nonfinite,
                 "do not refuse NaN/Inf weights or values the format cannot hold (f16 past 65504, ...): "
                 "quantised formats store them as 0, float formats as they come (docs/security.md)");
  }

  // The plan, or nullopt when no format flag was given.
  std::optional<schedule::FormatPlan> plan() const {
    int n = 0;
    std::string all;
    for (Format f : kAllFormats) {
      n += given[static_cast<size_t>(f)];
      all += std::string(all.empty() ? "" : ", ") + "--" + format_name(f);
    }
    if (n > 1) throw InputError("command line", "format", "give one of " + all);
    if (n == 0) {
      if (bf16_activations) throw InputError("command line", "--bf16-activations", "only applies to --bf16");
      if (q4_all || !keep.empty() || no_calibrate)
        throw InputError("command line",
                         q4_all          ? "--q4-all"
                         : !keep.empty() ? "--keep"
                                         : "--no-calibrate",
                         "needs a format flag (e.g. --q4)");
      return std::nullopt;
    }
    schedule::FormatPlan p;
    for (Format f : kAllFormats)
      if (given[static_cast<size_t>(f)]) p.base = f;
    if (q4_all && p.base != Format::Q4) throw InputError("command line", "--q4-all", "only applies to --q4");
    p.q4_all = q4_all;
    if (bf16_activations && p.base != Format::BF16)
      throw InputError("command line", "--bf16-activations",
                       std::string("only applies to --bf16, not --") + format_name(p.base));
    p.bf16_activations = bf16_activations;
    p.calibrate = !no_calibrate;
    for (const std::string& k : keep) p.keep.push_back(schedule::parse_keep(k));
    return p;
  }

  // " --q4 --keep 'lm_head=q8' --allow-nonfinite": the flags as a user retypes them.
  std::string command_text() const {
    const auto p = plan();
    return p ? p->command_flags() + (allow_nonfinite ? " --allow-nonfinite" : "") : "";
  }

 private:
  static std::string help(Format f) {
    switch (f) {
      case Format::Q8: return "q8 weights (int8 blocks of 32, int8 activations)";
      case Format::Q4: return "q4 weights (4-bit blocks of 32, int8 activations; lm_head/tied embedding q8)";
      case Format::Q16: return "q16 weights (int16 blocks of 32, f32 activations)";
      default: return std::string(format_name(f)) + " weights";
    }
  }
};

// `--kv f32|f16`: true for an f16 KV cache; InputError for anything else.
inline bool kv_f16_flag(const std::string& kv) {
  if (kv != "f32" && kv != "f16") throw InputError("command line", "--kv", "'" + kv + "' is not f32 or f16");
  return kv == "f16";
}

}  // namespace smolc::cli
