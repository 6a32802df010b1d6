// `smolc synth`: writes a synthetic HF checkpoint (docs/synthetic-checkpoints.md).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/number_option.h"
#include "frontend/error.h"
#include "synth/synth.h"

namespace {

struct SynthArgs {
  std::string preset, out, dtype = "bf16";
  uint64_t seed = 1;
};

smolc::cli::Register reg(
    {"synth", "Write a checkpoint with random weights and real SmolLM2 shapes", [](CLI::App& sub) {
       auto a = std::make_shared<SynthArgs>();
       sub.add_option("--preset", a->preset, "SmolLM2-135M, SmolLM2-360M, SmolLM2-1.7B or tiny")->required();
       smolc::cli::add_number(sub, "--seed", a->seed, "Random seed (same seed, same bytes)", uint64_t{0}, UINT64_MAX);
       sub.add_option("-o,--output", a->out, "Output directory")->required();
       sub.add_option("--dtype", a->dtype, "Weight dtype: bf16 (default), f16 or f32");
       return std::function<int()>([a] {
         smolc::synth::Options o;
         o.preset = a->preset;
         o.seed = a->seed;
         o.out_dir = a->out;
         if (a->dtype == "bf16")
           o.dtype = smolc::DType::BF16;
         else if (a->dtype == "f16")
           o.dtype = smolc::DType::F16;
         else if (a->dtype == "f32")
           o.dtype = smolc::DType::F32;
         else
           throw smolc::InputError("--dtype", "", "\"" + a->dtype + "\" is not supported (expected bf16, f16 or f32)");
         o.progress = ::isatty(2) != 0 && a->preset != "tiny";
         smolc::synth::write_checkpoint(o);
         std::printf("wrote %s (preset %s, seed %llu, %s)\n", o.out_dir.c_str(), o.preset.c_str(),
                     static_cast<unsigned long long>(o.seed), a->dtype.c_str());
         return 0;
       });
     }});

}  // namespace
