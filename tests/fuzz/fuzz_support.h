// Shared by the loader fuzz targets: the loaders read files by path (they
// mmap them), so each input is written to a scratch file first; InputError is
// the only acceptable way to refuse an input, and anything else escaping
// (another exception, a sanitizer report, a crash) is a finding.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "frontend/error.h"

namespace smolc::fuzz {

// DIR/name under a per-process directory in $TMPDIR (default /tmp), made once.
inline std::string scratch_path(const std::string& name) {
  static const std::string dir = [] {
    const char* t = std::getenv("TMPDIR");
    std::string d = std::string(t && *t ? t : "/tmp") + "/smolc-fuzz-" + std::to_string(::getpid());
    if (std::system(("mkdir -p '" + d + "'").c_str()) != 0) std::abort();
    return d;
  }();
  return dir + "/" + name;
}

// Writes data[0..n) to scratch_path(name) and returns the path.
inline std::string write_scratch(const std::string& name, const uint8_t* data, size_t n) {
  const std::string path = scratch_path(name);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (n && std::fwrite(data, 1, n, f) != n) || std::fclose(f) != 0) std::abort();
  return path;
}

// Runs f; an InputError is the loader refusing bad input, which is fine.
template <class F>
void refuse_or_accept(F&& f) {
  try {
    f();
  } catch (const InputError&) {
  }
}

}  // namespace smolc::fuzz
