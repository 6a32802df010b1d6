/* f32 -> bf16, round to nearest even: the one definition behind bf16 weights
 * (the compiler's f32_to_bf16, compiler/frontend/dequant.cpp), the engine's
 * --bf16-activations pass and the bf16 gemm kernels that round x while packing
 * it (templates/gemm/gemm-x86.cpp.in, gemm-i8mm.cpp.in). A bf16a engine's
 * kernels, its rounding pass and the reference engine must agree bit for bit,
 * which three copies of the bit trick only promised.
 *
 * For finite input (activations): the carry turns a NaN whose payload sits in
 * the low 16 bits into Inf, and the all-ones NaN into +0. The compiler's
 * f32_to_bf16, which also converts weights, keeps a NaN a quiet NaN first.
 * C-compatible, like the block structs beside it (smolc_quant.h).
 */
#ifndef SMOLC_BF16_H
#define SMOLC_BF16_H

#include <stdint.h>
#include <string.h>

/* The bf16 bit pattern nearest to f (ties to even). */
static inline uint16_t smolc_bf16_round(float f) {
  uint32_t b;
  memcpy(&b, &f, sizeof b);
  return (uint16_t)((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
}

#endif /* SMOLC_BF16_H */
