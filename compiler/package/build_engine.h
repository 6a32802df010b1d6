// The build driver: writes an engine's sources into DIR/src, compiles them
// with a C++ compiler (clang++-19 by default), archives lib/libNAME.a and
// writes the package files (header, CMake config, pkg-config, manifest).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "emit/engine_emitter.h"

namespace smolc {

struct BuildOptions {
  std::string out_dir;
  std::string cxx = "clang++-19";  // a compiler, optionally followed by flags (split at blanks)
  std::string cxxflags;            // --cxxflags: after the target's flags on every unit (split at blanks)
  std::string ar;                  // empty: llvm-ar-19 if present, else ar
  // Optimisation level and flags of every unit: the target's
  // (schedule::TargetDesc::unit_flags), -O2 -fPIC on hosts (x86: and -ffp-contract=off), -O3, core/FPU/ABI
  // and -ffreestanding on bare metal.
  std::vector<std::string> unit_flags = {"-O2", "-fPIC"};
  bool hosted = true;         // false: bare metal, whose CMake config links no pthreads
  bool emit_only = false;     // write src/ (and weights) but do not compile
  int jobs = 0;               // parallel compiles (0: online CPUs)
  std::string source_sha256;  // of the model file(s), for the manifest
  std::string tuning_sha256;  // of the --tune file; "": the default schedule (no manifest field)
  std::string model_name, model_path, format, target;
  std::string triple;  // cross target (TargetDesc::triple); a clang cxx gets --target=TRIPLE
  std::function<void(size_t done, size_t total)> progress;  // compile progress
};

struct BuildResult {
  std::string library;       // DIR/lib/libNAME.a ("" with emit_only)
  std::string weights_file;  // DIR/NAME.weights with external weights
  size_t code_bytes = 0;     // text+data of the compiled engine without weights
  size_t library_bytes = 0;
};

// Throws std::runtime_error with the compiler's output if a step fails.
BuildResult build_engine(const EngineSources& e, const LoweredWeights& w, const EngineOptions& eo,
                         const BuildOptions& bo);

// Hex SHA-256 of a file's bytes (for the manifest).
std::string sha256_file(const std::string& path);

}  // namespace smolc
