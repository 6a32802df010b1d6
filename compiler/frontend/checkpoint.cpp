#include "frontend/checkpoint.h"

#include <stdexcept>

#include "frontend/dequant.h"
#include "frontend/error.h"

namespace smolc {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::Q8_0: return "Q8_0";
    case DType::Q4_0: return "Q4_0";
    case DType::Q4_K: return "Q4_K";
    case DType::Q5_0: return "Q5_0";
    case DType::Q6_K: return "Q6_K";
  }
  return "?";
}

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string hf_layer_tensor(int layer, const char* suffix) {
  return "model.layers." + std::to_string(layer) + "." + suffix;
}

const TensorInfo& Checkpoint::get(const std::string& hf_name) const {
  auto it = tensors.find(hf_name);
  if (it == tensors.end()) throw InputError(path, hf_name, "tensor is missing");
  return it->second;
}

std::vector<float> Checkpoint::load_f32(const std::string& hf_name) const {
  const TensorInfo& t = get(hf_name);
  const int64_t rows = t.rows(), len = t.row_len();
  const size_t row_bytes = dtype_row_bytes(t.dtype, len);
  if (row_bytes == 0 || row_bytes * static_cast<size_t>(rows) != t.nbytes)
    throw InputError(t.file, hf_name, "stored size does not match its shape and dtype");
  std::vector<float> out(static_cast<size_t>(rows * len));
  for (int64_t r = 0; r < rows; ++r) {
    int64_t src = t.row_perm.empty() ? r : t.row_perm[static_cast<size_t>(r)];
    dequantize_row(t.dtype, t.data + static_cast<size_t>(src) * row_bytes, out.data() + r * len, len);
  }
  return out;
}

}  // namespace smolc
