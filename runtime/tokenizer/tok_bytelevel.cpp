// Byte-level BPE encode: not available yet in this build.
#include "tok_internal.h"

namespace smolc {
namespace rt {
int64_t tok_encode_bytelevel(const TokTables*, const char*, size_t, int32_t*, size_t, void*, size_t) {
  return kTokErrTables;
}
}  // namespace rt
}  // namespace smolc
