// 64-bit values as 16 lower-case hex digits, zero-padded: cache keys, the
// manifest's hashes and hash constants in generated code.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace smolc {

inline std::string hex64(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace smolc
