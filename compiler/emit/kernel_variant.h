// The kernel source of one entry of the kernel list (schedule/kernel_list.h),
// for the kernel tests, benchmarks and `smolc tune`.
#pragma once
#include <cstdint>
#include <string>

#include "emit/kernel_api.h"
#include "schedule/kernel_list.h"

namespace smolc {

KernelSource emit_variant(const KernelVariant& v, int64_t M, int64_t K, const std::string& prefix);

}  // namespace smolc
