// `smolc convert MODEL --to gguf -o FILE [--type T]`: writes any checkpoint
// smolc reads as a GGUF v3 file for llama.cpp.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>

#include "cli/command.h"
#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "frontend/gguf/gguf_writer.h"

namespace {

struct ConvertArgs {
  std::string model, to = "gguf", out, type = "f32", tokenizer;
  bool allow_nonfinite = false;
};

smolc::cli::Register reg({"convert", "Convert a checkpoint to another format (GGUF for llama.cpp)", [](CLI::App& sub) {
                            auto a = std::make_shared<ConvertArgs>();
                            sub.add_option("MODEL", a->model, "Model directory, file or name")->required();
                            sub.add_option("--to", a->to, "Output format")->check(CLI::IsMember({"gguf"}));
                            sub.add_option("-o,--output", a->out, "Output file")->required();
                            sub.add_option("--type", a->type,
                                           "Weight matrix storage: f32, f16, bf16, q8_0 or q4_0 (norms stay f32)")
                                ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0", "q4_0"}));
                            sub.add_option("--tokenizer", a->tokenizer, "Tokenizer file to use instead of the model's");
                            sub.add_flag(
                                "--allow-nonfinite", a->allow_nonfinite,
                                "Write NaN/Inf weights and values the type cannot hold instead of refusing them");
                            return std::function<int()>([a] {
                              static const std::map<std::string, smolc::DType> types = {{"f32", smolc::DType::F32},
                                                                                        {"f16", smolc::DType::F16},
                                                                                        {"bf16", smolc::DType::BF16},
                                                                                        {"q8_0", smolc::DType::Q8_0},
                                                                                        {"q4_0", smolc::DType::Q4_0}};
                              const smolc::Checkpoint ck = smolc::load_checkpoint(a->model, a->tokenizer);
                              smolc::gguf::write_gguf(ck, a->out, types.at(a->type), a->allow_nonfinite);
                              std::printf("wrote %s (GGUF v3, %s weights, %zu tensors) from %s\n", a->out.c_str(),
                                          a->type.c_str(), ck.tensors.size(), ck.path.c_str());
                              return 0;
                            });
                          }});

}  // namespace
