#include "target/format.h"

#include "frontend/error.h"

namespace smolc {

const char* format_name(Format f) {
  switch (f) {
    case Format::F32: return "f32";
    case Format::BF16: return "bf16";
    case Format::F16: return "f16";
    case Format::Q8: return "q8";
    case Format::Q4: return "q4";
    case Format::Q16: return "q16";
  }
  return "?";
}

Format parse_format(const std::string& text, const std::string& where) {
  for (Format f : kAllFormats)
    if (text == format_name(f)) return f;
  throw InputError("command line", where, "'" + text + "' is not a format (expected f32, bf16, f16, q8, q4 or q16)");
}

bool is_quantized(Format f) { return f == Format::Q8 || f == Format::Q4 || f == Format::Q16; }

bool uses_a8_input(Format f) { return f == Format::Q8 || f == Format::Q4; }

}  // namespace smolc
