// Shared by emit_gemv / emit_gemm / emit_row_unpack: spec checks, names,
// and the template variables (compiler flags: target/targets.cpp).
#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

#include "emit/kernel_api.h"
#include "emit/kernel_emit.h"
#include "runtime/quant/smolc_quant.h"
#include "schedule/kernel_list.h"

namespace smolc::kernel_detail {

std::string kernel_stem(const KernelSpec& s, const char* op) {
  std::string tile = std::to_string(s.tile_m) + "r";
  if (std::string(op) == "gemm") tile += std::to_string(s.tile_n) + "t";
  const KernelOp kop = std::string(op) == "gemm"  ? KernelOp::Gemm
                       : std::string(op) == "row" ? KernelOp::Row
                                                  : KernelOp::Gemv;
  return kernel_format_name(kop, s) + "-" + op + "-" + std::to_string(s.M) + "x" + std::to_string(s.K) + "-" + tile +
         "-" + isa_name(s.isa);
}

KernelSource emit_kernel(const KernelSpec& s, const std::string& prefix, KernelOp kop) {
  const char* op = kernel_op_name(kop);
  validate_spec(s, op);
  for (char c : prefix)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      throw std::invalid_argument(std::string(op) + " kernel prefix '" + prefix + "' is not a C identifier part");
  const PackedLayout l = packed_layout(s);
  const std::string stem = kernel_stem(s, op);
  const bool is_row = kop == KernelOp::Row;
  // One row template serves every ISA: the lookup copies K values once per token.
  // Float formats: AVX2 and AVX-512 share one x86 template per op,
  // parameterised by vector width. Block formats: one template per op and ISA.
  const bool x86 = s.isa == Isa::AVX2 || s.isa == Isa::AVX512;
  // neon, neondot and i8mm share one template per op, except the i8mm q8/q4
  // gemm (smmla: q-gemm-i8mm) and bf16 gemm (bfmmla: gemm-i8mm).
  const bool neon = isa_is_aarch64(s.isa);
  const bool i8mm_gemm =
      s.isa == Isa::NEON_I8MM && (uses_a8_input(s.fmt) || s.fmt == Format::BF16) && kop == KernelOp::Gemm;
  const bool wasm = s.isa == Isa::WASM_SIMD128;
  const bool quant = is_quantized(s.fmt);
  const std::string isa_part = is_row      ? "scalar"
                               : i8mm_gemm ? "i8mm"
                               : neon      ? "neon"
                               : wasm      ? "wasm"
                               : quant     ? isa_name(s.isa)
                               : x86       ? "x86"
                                           : "scalar";
  const std::string tpl = std::string(op) + "/" + (quant ? "q-" : "") + op + "-" + isa_part + ".cpp.in";

  KernelSource out;
  out.file_name = stem + ".cpp";
  out.function_name = prefix;
  for (char c : stem) out.function_name += (c == '-' ? '_' : c);
  if (!is_row) out.cxx_flags = target::kernel_flags(s.isa, s.fmt);
  out.op = kop;
  out.a8_input = !is_row && uses_a8_input(s.fmt);

  TemplateVars v;
  v["OP"] = std::string(op);
  v["FMT"] = std::string(format_name(s.fmt));
  v["ISA"] = std::string(isa_name(s.isa));
  v["M"] = s.M;
  v["K"] = s.K;
  v["TILE_M"] = int64_t(s.tile_m);
  v["TILE_N"] = int64_t(s.tile_n);
  v["KP"] = int64_t(l.k_pack);
  // x rounded to bf16 once and read as one bf16 term (--bf16-activations).
  const bool xb = reads_bf16_x(kop, s);
  v["XBF16"] = int64_t(xb);
  v["KPAD"] = l.k_padded;
  v["PANELS"] = l.panels;
  if (quant) {
    const int64_t kb = l.k_padded / SMOLC_QBLOCK;
    v["KB"] = kb;                                    // blocks per row
    v["LAST_COLS"] = s.K - (kb - 1) * SMOLC_QBLOCK;  // real columns of the last block
    v["A8"] = int64_t(uses_a8_input(s.fmt));
    v["SCALE_BYTES"] = int64_t(layout::quant_scale_bytes(s.fmt));
    v["PAYLOAD_BYTES"] = int64_t(layout::quant_payload_bytes(s.fmt));
    v["GROUP_BYTES"] = int64_t(l.group_bytes);
    v["PANEL_BYTES"] = int64_t(l.panel_bytes);
    v["QI"] = int64_t(l.interleave);       // rows per payload interleave group
    v["QU"] = int64_t(l.interleave_unit);  // bytes per row per interleave unit
    // AVX2 q8 gemm: tokens per register tile; 3 measured fastest (docs/performance-notes.md).
    v["Q8_CHUNK"] = int64_t(std::min(s.tile_n, 3));
  } else {
    v["PANEL_ELEMS"] = int64_t(l.panel_bytes / size_t(l.elem_bytes));
  }
  v["FILE_NAME"] = out.file_name;
  v["FUNCTION"] = out.function_name;
  v["TEMPLATE"] = tpl;
  std::string cmd = std::string("smolc kernel --op ") + op + " --format " + format_name(s.fmt) + " --isa " +
                    isa_name(s.isa) + " --m " + std::to_string(s.M) + " --k " + std::to_string(s.K) + " --tile-m " +
                    std::to_string(s.tile_m);
  if (kop == KernelOp::Gemm) cmd += " --tile-n " + std::to_string(s.tile_n);
  if (xb) cmd += " --bf16-activations";
  if (!prefix.empty()) cmd += " --prefix " + prefix;
  v["COMMAND"] = cmd;
  std::string flags;
  for (const auto& f : out.cxx_flags) flags += (flags.empty() ? "" : " ") + f;
  v["CXX_FLAGS"] = flags.empty() ? std::string("(no extra flags)") : flags;
  if (x86) {
    const bool z = s.isa == Isa::AVX512;
    const int64_t vw = z ? 16 : 8;
    v["VW"] = vw;
    v["NV"] = s.tile_m / vw;
    v["VBITS"] = int64_t(z ? 512 : 256);
    v["VEC"] = std::string(z ? "__m512" : "__m256");
    v["IVEC"] = std::string(z ? "__m512i" : "__m256i");
    v["HIVEC"] = std::string(z ? "__m256i" : "__m128i");
    v["P"] = std::string(z ? "_mm512" : "_mm256");
    v["SI"] = std::string(z ? "si512" : "si256");
    v["HP"] = std::string(z ? "_mm256" : "_mm");
    v["HSI"] = std::string(z ? "si256" : "si128");
    // gemv: independent accumulator sets so ~8 FMA chains are in flight.
    v["KU"] = std::max<int64_t>(1, std::min<int64_t>(4, 8 / (s.tile_m / vw)));
  }
  if (neon) {
    v["VW"] = int64_t(4);
    v["NV"] = int64_t(s.tile_m / 4);
    v["DOTPROD"] = int64_t(s.isa == Isa::NEON_DOT || s.isa == Isa::NEON_I8MM);
    v["I8MM"] = int64_t(s.isa == Isa::NEON_I8MM);
    // gemv: independent accumulator sets so ~8 FMA chains are in flight.
    v["KU"] = std::max<int64_t>(1, std::min<int64_t>(4, 8 / (s.tile_m / 4)));
  }
  if (wasm) {
    v["VW"] = int64_t(4);
    v["NV"] = int64_t(s.tile_m / 4);
    // gemv: independent accumulator sets so ~8 add chains are in flight.
    v["KU"] = std::max<int64_t>(1, std::min<int64_t>(4, 8 / (s.tile_m / 4)));
    if (!is_row) v["WASM_SIMD"] = render_embedded("common/wasm-simd.inc.in", v);
  }
  if (quant) {
    // The f16 branch of the scalar widening: q8/q4 block scales are binary16.
    TemplateVars h = v;
    h["FMT"] = std::string("f16");
    v["F16_SCALAR"] = render_embedded("common/widen-scalar.inc.in", h);
    v["Q_BLOCK_SCALAR"] = render_embedded("common/q-block-scalar.inc.in", v);
    if (s.isa == Isa::AVX2 && !is_row) v["Q_AVX2"] = render_embedded("common/q-avx2.inc.in", v);
  } else {
    v["WIDEN_SCALAR"] = render_embedded("common/widen-scalar.inc.in", v);
  }
  // --- AVX-512 quantised kernels (qkern512): helpers shared by
  // q-gemv-avx512 and q-gemm-avx512 (unzip transposes, row sums, a8 fields).
  if (quant && s.isa == Isa::AVX512 && !is_row) v["Q_AVX512"] = render_embedded("common/q-avx512.inc.in", v);
  if (quant && neon && !is_row) v["Q_NEON"] = render_embedded("common/q-neon.inc.in", v);
  if (quant && wasm && !is_row) v["Q_WASM"] = render_embedded("common/q-wasm.inc.in", v);
  // --- end AVX-512 quantised kernels
  // The weight load of every AVX-512 decode kernel (f32, q8, q4 paste it).
  if (s.isa == Isa::AVX512 && kop == KernelOp::Gemv)
    v["STREAM_LOAD_AVX512"] = render_embedded("common/stream-load-avx512.inc.in", v);
  out.code = render_embedded(tpl, v);
  return out;
}

}  // namespace smolc::kernel_detail

namespace smolc {

std::string kernel_declaration(const KernelSource& k) {
  const std::string x = k.a8_input ? "const void* xa" : "const float* x";
  switch (k.op) {
    case KernelOp::Gemv:
      return "void " + k.function_name + "(const void* w, " + x + ", float* y, int row_begin, int row_end);";
    case KernelOp::Gemm:
      return "void " + k.function_name + "(const void* w, " + x +
             ", int n, float* y, int ldy, int row_begin, int row_end);";
    case KernelOp::Row: return "void " + k.function_name + "(const void* w, int row, float* out);";
  }
  throw std::logic_error("kernel_declaration: unknown op");
}

}  // namespace smolc
