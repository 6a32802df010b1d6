// A STREAM-like read-bandwidth probe: the ceiling a memory-bound gemv can reach.
#pragma once
#include <cstddef>

namespace smolc::bench {

// Sums n floats (n a multiple of 64) with independent accumulators, using the
// widest vectors this build can (AVX2 on x86-64, via a target attribute).
float stream_read_sum(const float* p, size_t n);

}  // namespace smolc::bench
