/* Quantised weight formats shared by the compiler (quantisers, reference dot
 * products) and the generated kernels. C-compatible and C++17-safe: plain
 * structs, fixed-width integers, no padding (every size is asserted).
 * Layouts and measured quality: docs/quant-formats.md.
 *
 * Blocks run along a weight row (the input dimension K); a row whose length is
 * not a multiple of 32 is padded with zero weights to whole blocks, and the
 * activations are padded with zeros to match.
 *
 *   q8   w[i] = d * qs[i]                 qs in [-127, 127]    34 B / 32 = 8.5 bits per weight
 *   q4   w[i] = d * (nibble(i) - 8)       nibble in [0, 15]    18 B / 32 = 4.5 bits per weight
 *        nibble(i) = qs[i] & 15 for i < 16, qs[i - 16] >> 4 for i >= 16
 *   q16  w[i] = d * qs[i]                 qs in [-32767, 32767] 68 B / 32 = 17 bits per weight
 *
 * q8 and q4 share their byte layout with GGUF Q8_0 and Q4_0 (f16 scale first),
 * so those GGUF blocks can be reused bit for bit; smolc's q4 differs from Q4_0
 * only in how d is chosen (an error-minimising search instead of max-abs).
 * Scales d are IEEE binary16 (q8, q4) or binary32 (q16) bit patterns.
 */
#ifndef SMOLC_QUANT_H
#define SMOLC_QUANT_H

#include <stdint.h>

#define SMOLC_QBLOCK 32

typedef struct {
  uint16_t d;              /* f16 scale */
  int8_t qs[SMOLC_QBLOCK]; /* signed weights, -128 never used */
} smolc_block_q8;

typedef struct {
  uint16_t d;                   /* f16 scale */
  uint8_t qs[SMOLC_QBLOCK / 2]; /* low nibbles: elements 0..15, high nibbles: 16..31, offset 8 */
} smolc_block_q4;

typedef struct {
  float d;                  /* f32 scale: amax/32767 is often below f16's normal range */
  int16_t qs[SMOLC_QBLOCK]; /* signed weights, -32768 never used */
} smolc_block_q16;

/* Run-time activations for q8 and q4 weights: each 32-element block of the
 * input vector becomes int8 with its own f32 scale, a[i] ~= d * qs[i].
 * sum = sum of qs, for kernels that feed unsigned bytes (vpdpbusd takes
 * u8 x s8): with weights offset by +128, dot = sum((w + 128) * a) - 128 * sum(a). */
typedef struct {
  float d;
  int32_t sum;
  int8_t qs[SMOLC_QBLOCK];
} smolc_block_a8;

#ifdef __cplusplus
static_assert(sizeof(smolc_block_q8) == 34, "q8 block is 34 bytes");
static_assert(sizeof(smolc_block_q4) == 18, "q4 block is 18 bytes");
static_assert(sizeof(smolc_block_q16) == 68, "q16 block is 68 bytes");
static_assert(sizeof(smolc_block_a8) == 40, "a8 block is 40 bytes");
#else
_Static_assert(sizeof(smolc_block_q8) == 34, "q8 block is 34 bytes");
_Static_assert(sizeof(smolc_block_q4) == 18, "q4 block is 18 bytes");
_Static_assert(sizeof(smolc_block_q16) == 68, "q16 block is 68 bytes");
_Static_assert(sizeof(smolc_block_a8) == 40, "a8 block is 40 bytes");
#endif

#endif /* SMOLC_QUANT_H */
