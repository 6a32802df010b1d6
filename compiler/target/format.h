// The weight format: one type from the command line (cli/format_flags.h)
// through the schedule, the quantisers (quantize/) and the weight lowering
// to the kernel emitters, which print its name into the templates (${FMT}).
// Q8/Q4/Q16 are the block formats of runtime/quant/smolc_quant.h
// (docs/quant-formats.md). How a block's scale is chosen (smolc's search, or
// llama.cpp's Q4_0 rule that `smolc quant-eval` measures against) is a
// quantiser option (quantize/quantize.h), not a format.
#pragma once
#include <array>
#include <cstddef>
#include <string>

namespace smolc {

enum class Format { F32, BF16, F16, Q8, Q4, Q16 };
constexpr size_t kFormats = 6;
// Every format in enum order, the order of the --f32 ... --q16 flags.
constexpr std::array<Format, kFormats> kAllFormats = {Format::F32, Format::BF16, Format::F16,
                                                      Format::Q8,  Format::Q4,   Format::Q16};

// "f32", "bf16", "f16", "q8", "q4", "q16": the flag without its dashes, the
// --keep spelling, and part of generated file and function names (so
// identifier-safe).
const char* format_name(Format f);
// "f32" ... "q16" -> Format; InputError("command line", where, ...) for anything else.
Format parse_format(const std::string& text, const std::string& where);

bool is_quantized(Format f);  // Q8, Q4, Q16
// Q8 and Q4 kernels read the input as int8 activation blocks
// (smolc_block_a8, made by smolc_quantize_a8 in runtime/quant/smolc_quant_act.h);
// every other format, Q16 included, reads f32.
bool uses_a8_input(Format f);

}  // namespace smolc
