// `smolc kernel`: generate one matrix kernel source file from the templates
// (the command every generated kernel's header names, to regenerate it).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/number_option.h"
#include "emit/kernel_api.h"

namespace {

struct Args {
  std::string op = "gemv", format = "f32", isa = "scalar", prefix, out_dir = ".";
  int64_t m = 0, k = 0;
  int tile_m = 8, tile_n = 4;
  bool bf16_activations = false;
};

smolc::cli::Register reg(
    {"kernel", "Generate one matrix kernel (gemv, gemm or row) as a C++ file", [](CLI::App& sub) {
       auto a = std::make_shared<Args>();
       sub.add_option("--op", a->op, "gemv | gemm | row")->check(CLI::IsMember({"gemv", "gemm", "row"}));
       sub.add_option("--format", a->format, "Weight format: f32 | bf16 | f16 | q8 | q4 | q16")
           ->check(CLI::IsMember({"f32", "bf16", "f16", "q8", "q4", "q16"}));
       sub.add_option("--isa", a->isa, "scalar | avx2 | avx512 | neon | neondot | i8mm | simd128 | native")
           ->check(CLI::IsMember({"scalar", "avx2", "avx512", "neon", "neondot", "i8mm", "simd128", "native"}));
       smolc::cli::add_number(sub, "--m", a->m, "Output rows M", int64_t{1}, int64_t{1} << 24)->required();
       smolc::cli::add_number(sub, "--k", a->k, "Input features K", int64_t{1}, int64_t{1} << 24)->required();
       smolc::cli::add_number(sub, "--tile-m", a->tile_m, "Rows per packed panel", 1, 64);
       smolc::cli::add_number(sub, "--tile-n", a->tile_n, "Tokens per gemm register tile", 1, 64);
       sub.add_flag("--bf16-activations", a->bf16_activations,
                    "x rounded to bf16 once (compile's --bf16-activations; only with --format bf16)");
       sub.add_option("--prefix", a->prefix, "Function name prefix (C identifier characters)");
       sub.add_option("-o,--out-dir", a->out_dir, "Directory to write the file into");
       return std::function<int()>([a] {
         using namespace smolc;
         static const std::map<std::string, Format> fmts = {{"f32", Format::F32}, {"bf16", Format::BF16},
                                                            {"f16", Format::F16}, {"q8", Format::Q8},
                                                            {"q4", Format::Q4},   {"q16", Format::Q16}};
         static const std::map<std::string, Isa> isas = {
             {"scalar", Isa::Scalar},    {"avx2", Isa::AVX2},      {"avx512", Isa::AVX512},       {"neon", Isa::NEON},
             {"neondot", Isa::NEON_DOT}, {"i8mm", Isa::NEON_I8MM}, {"simd128", Isa::WASM_SIMD128}};
         KernelSpec s;
         s.fmt = fmts.at(a->format);
         s.isa = a->isa == "native" ? detect_host_isa() : isas.at(a->isa);
         s.M = a->m;
         s.K = a->k;
         s.tile_m = a->tile_m;
         s.tile_n = a->tile_n;
         s.x_bf16 = a->bf16_activations;
         if (s.x_bf16 && s.fmt != Format::BF16) {
           std::fprintf(stderr, "smolc: error: command line: --bf16-activations: needs --format bf16, not %s\n",
                        a->format.c_str());
           return 2;
         }
         KernelSource src;
         try {
           src = a->op == "gemv"   ? emit_gemv(s, a->prefix)
                 : a->op == "gemm" ? emit_gemm(s, a->prefix)
                                   : emit_row_unpack(s, a->prefix);
         } catch (const std::invalid_argument& e) {
           std::fprintf(stderr, "smolc: error: %s\n", e.what());
           return 2;
         }
         const std::string path = a->out_dir + "/" + src.file_name;
         std::ofstream f(path, std::ios::binary);
         f << src.code;
         f.close();
         if (!f) {
           std::fprintf(stderr, "smolc: error: %s: cannot write\n", path.c_str());
           return 2;
         }
         std::string flags;
         for (const auto& fl : src.cxx_flags) flags += " " + fl;
         std::printf("%s\t%s\tflags:%s\n", path.c_str(), src.function_name.c_str(), flags.c_str());
         return 0;
       });
     }});

}  // namespace
