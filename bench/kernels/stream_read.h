// A STREAM-like read-bandwidth probe: the ceiling a memory-bound gemv can reach.
#pragma once
#include <cstddef>

namespace smolc::bench {

// Sums n floats (n a multiple of 64) with independent accumulators, using the
// widest vectors this build can (AVX2 on x86-64, via a target attribute).
float stream_read_sum(const float* p, size_t n);

#if defined(__x86_64__)
// The same sum (n a multiple of 128) with 512-bit loads, and with every
// 512-bit vector built from two 256-bit loads, as the avx512 decode kernels
// load weights (templates/common/stream-load-avx512.inc.in): what the load
// width alone does to a DRAM stream. Callers check that the CPU has AVX-512F.
float stream_read_sum512(const float* p, size_t n);
float stream_read_sum512_halves(const float* p, size_t n);
#endif

}  // namespace smolc::bench
