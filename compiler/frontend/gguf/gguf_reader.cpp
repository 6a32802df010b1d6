// GGUF reader. Every count and length is checked against the bytes left in
// the file before anything is allocated or read, so a hostile file can cost at
// most its own size in memory. v2 and v3 share one little-endian layout (v3
// only added big-endian files, which are recognised and refused); v1 used
// 32-bit counts and is refused.
#include "frontend/gguf/gguf_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "frontend/checkpoint.h"
#include "frontend/dequant.h"
#include "frontend/error.h"
#include "frontend/gguf/gguf_format.h"

namespace smolc::gguf {
namespace {

constexpr uint64_t kMaxDims = 4;  // GGML_MAX_DIMS
constexpr uint64_t kMaxDimLen = 1ull << 40;
constexpr uint64_t kMaxKeyLen = 65535;
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;                  // key length, type, smallest value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // name len, n_dims, one dim, type, offset

class Cursor {
 public:
  Cursor(const MappedFile& f) : p_(f.data()), size_(f.size()), file_(f.path()) {}
  uint64_t pos() const { return pos_; }
  uint64_t left() const { return size_ - pos_; }
  const std::string& file() const { return file_; }

  [[noreturn]] void fail(uint64_t at, const std::string& what) const {
    throw InputError(file_, "offset " + std::to_string(at), what);
  }
  void need(uint64_t n, const std::string& what) const {
    if (n > left())
      fail(pos_, "file ends inside " + what + " (needs " + std::to_string(n) + " bytes, " + std::to_string(left()) +
                     " left of " + std::to_string(size_) + ")");
  }
  template <class T>
  T get(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string str(const std::string& what, uint64_t max_len = UINT64_MAX) {
    const uint64_t at = pos_;
    const uint64_t n = get<uint64_t>(what + " length");
    if (n > left())
      fail(at, what + " length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(left()) +
                   " bytes left)");
    if (n > max_len) fail(at, what + " length " + std::to_string(n) + " exceeds the limit " + std::to_string(max_len));
    std::string s(reinterpret_cast<const char*>(p_ + pos_), static_cast<size_t>(n));
    pos_ += n;
    return s;
  }
  void skip(uint64_t n, const std::string& what) {
    need(n, what);
    pos_ += n;
  }

 private:
  const uint8_t* p_;
  uint64_t size_;
  uint64_t pos_ = 0;
  std::string file_;
};

double read_number(Cursor& c, uint32_t type, const std::string& what) {
  switch (static_cast<ValueType>(type)) {
    case ValueType::U8: return c.get<uint8_t>(what);
    case ValueType::I8: return c.get<int8_t>(what);
    case ValueType::U16: return c.get<uint16_t>(what);
    case ValueType::I16: return c.get<int16_t>(what);
    case ValueType::U32: return c.get<uint32_t>(what);
    case ValueType::I32: return c.get<int32_t>(what);
    case ValueType::F32: return c.get<float>(what);
    case ValueType::F64: return c.get<double>(what);
    case ValueType::BOOL: {
      const uint64_t at = c.pos();
      uint8_t b = c.get<uint8_t>(what);
      if (b > 1) c.fail(at, what + ": bool value " + std::to_string(b) + " (expected 0 or 1)");
      return b;
    }
    case ValueType::U64: {
      const uint64_t at = c.pos();
      uint64_t v = c.get<uint64_t>(what);
      if (v > (1ull << 53)) c.fail(at, what + ": uint64 value " + std::to_string(v) + " is too large");
      return static_cast<double>(v);
    }
    case ValueType::I64: {
      const uint64_t at = c.pos();
      int64_t v = c.get<int64_t>(what);
      if (v > (1ll << 53) || v < -(1ll << 53))
        c.fail(at, what + ": int64 value " + std::to_string(v) + " is too large");
      return static_cast<double>(v);
    }
    default: break;
  }
  c.fail(c.pos(), what + ": not a numeric type");
}

Value read_value(Cursor& c, uint32_t type, const std::string& key) {
  Value v;
  v.type = type;
  v.offset = c.pos();
  const std::string what = "metadata value \"" + key + "\"";
  switch (static_cast<ValueType>(type)) {
    case ValueType::STRING: v.s = c.str(what); return v;
    case ValueType::ARRAY: {
      v.elem_type = c.get<uint32_t>(what + " element type");
      const uint64_t count_at = c.pos();
      const uint64_t n = c.get<uint64_t>(what + " element count");
      if (v.elem_type == static_cast<uint32_t>(ValueType::STRING)) {
        if (n > c.left() / 8)
          c.fail(count_at, what + ": " + std::to_string(n) + " strings cannot fit in the " + std::to_string(c.left()) +
                               " bytes left");
        v.strs.reserve(static_cast<size_t>(n));
        for (uint64_t k = 0; k < n; ++k) v.strs.push_back(c.str(what + " element " + std::to_string(k)));
      } else {
        const size_t es = value_type_size(v.elem_type);
        if (es == 0)
          c.fail(count_at - 4, what + ": array element type " + std::to_string(v.elem_type) + " (" +
                                   value_type_name(v.elem_type) +
                                   ") is not supported (expected a number, bool or string)");
        if (n > c.left() / es)
          c.fail(count_at, what + ": " + std::to_string(n) + " elements of " + std::to_string(es) +
                               " bytes run past the end of the file (" + std::to_string(c.left()) + " bytes left)");
        v.nums.reserve(static_cast<size_t>(n));
        for (uint64_t k = 0; k < n; ++k) v.nums.push_back(read_number(c, v.elem_type, what));
      }
      return v;
    }
    case ValueType::U8:
    case ValueType::U16:
    case ValueType::U32:
    case ValueType::U64:
    case ValueType::BOOL:
      v.u = static_cast<uint64_t>(read_number(c, type, what));
      v.f = static_cast<double>(v.u);
      v.i = static_cast<int64_t>(v.u);
      return v;
    case ValueType::I8:
    case ValueType::I16:
    case ValueType::I32:
    case ValueType::I64:
      v.i = static_cast<int64_t>(read_number(c, type, what));
      v.f = static_cast<double>(v.i);
      v.u = v.i < 0 ? 0 : static_cast<uint64_t>(v.i);
      return v;
    case ValueType::F32:
    case ValueType::F64: v.f = read_number(c, type, what); return v;
  }
  c.fail(v.offset - 4, what + ": value type " + std::to_string(type) + " is not a GGUF type (expected 0..12)");
}

}  // namespace

File parse(const std::string& path) {
  File f;
  f.map = MappedFile::open(path);
  Cursor c(*f.map);
  const uint64_t file_size = f.map->size();

  c.need(4, "the GGUF magic");
  const uint32_t magic = c.get<uint32_t>("magic");
  if (magic != kMagic) {
    char got[5] = {0};
    std::memcpy(got, &magic, 4);
    for (char& ch : got)
      if (ch && (ch < 32 || ch > 126)) ch = '?';
    c.fail(0, std::string("bad magic \"") + got + "\" (expected \"GGUF\")");
  }
  f.version = c.get<uint32_t>("version");
  if (f.version == 0x02000000u || f.version == 0x03000000u)
    c.fail(4, "big-endian GGUF is not supported (expected a little-endian file)");
  if (f.version != 2 && f.version != 3)
    c.fail(4, "unsupported GGUF version " + std::to_string(f.version) + " (expected 2 or 3)");
  const uint64_t n_tensors = c.get<uint64_t>("tensor count");
  const uint64_t n_kv = c.get<uint64_t>("metadata count");
  if (n_kv > c.left() / kMinKvBytes)
    c.fail(16,
           "metadata count " + std::to_string(n_kv) + " cannot fit in the " + std::to_string(c.left()) + " bytes left");
  if (n_tensors > c.left() / kMinTensorInfoBytes)
    c.fail(8, "tensor count " + std::to_string(n_tensors) + " cannot fit in the " + std::to_string(c.left()) +
                  " bytes left");

  for (uint64_t k = 0; k < n_kv; ++k) {
    const uint64_t at = c.pos();
    std::string key = c.str("metadata key " + std::to_string(k), kMaxKeyLen);
    const uint32_t type = c.get<uint32_t>("type of metadata \"" + key + "\"");
    Value v = read_value(c, type, key);
    if (f.kv.count(key)) c.fail(at, "metadata key \"" + key + "\" appears twice");
    f.kv.emplace(std::move(key), std::move(v));
  }

  if (auto it = f.kv.find("general.alignment"); it != f.kv.end()) {
    const Value& a = it->second;
    if (a.type != static_cast<uint32_t>(ValueType::U32))
      c.fail(a.offset, std::string("general.alignment has type ") + value_type_name(a.type) + " (expected uint32)");
    if (a.u == 0 || (a.u & (a.u - 1)) != 0 || a.u > (1u << 20))
      c.fail(a.offset, "general.alignment " + std::to_string(a.u) + " is not a power of two up to 2^20");
    f.alignment = a.u;
  }

  for (uint64_t k = 0; k < n_tensors; ++k) {
    TensorRecord t;
    t.info_offset = c.pos();
    t.name = c.str("tensor info " + std::to_string(k) + " name", 4096);
    const std::string what = "tensor \"" + t.name + "\"";
    const uint64_t dims_at = c.pos();
    const uint32_t n_dims = c.get<uint32_t>(what + " n_dims");
    if (n_dims == 0 || n_dims > kMaxDims)
      c.fail(dims_at, what + ": n_dims " + std::to_string(n_dims) + " (expected 1.." + std::to_string(kMaxDims) + ")");
    uint64_t numel = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t at = c.pos();
      const uint64_t ne = c.get<uint64_t>(what + " dimension");
      if (ne == 0 || ne > kMaxDimLen)
        c.fail(at, what + ": dimension " + std::to_string(d) + " is " + std::to_string(ne) + " (expected 1..2^40)");
      if (__builtin_mul_overflow(numel, ne, &numel) || numel > file_size * 8 + 64)
        c.fail(at, what + ": " + std::to_string(numel) + "+ elements cannot be stored in a " +
                       std::to_string(file_size) + "-byte file");
      t.ne.push_back(ne);
    }
    const uint64_t type_at = c.pos();
    t.ggml_type = c.get<uint32_t>(what + " type");
    const auto dt = dtype_from_ggml(t.ggml_type);
    if (!dt)
      c.fail(type_at, what + ": tensor type " + std::to_string(t.ggml_type) + " (" + ggml_type_name(t.ggml_type) +
                          ") is not supported (expected F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K or Q6_K)");
    const size_t row_bytes = dtype_row_bytes(*dt, static_cast<int64_t>(t.ne[0]));
    if (row_bytes == 0)
      c.fail(dims_at, what + ": row length " + std::to_string(t.ne[0]) + " is not a multiple of the " +
                          dtype_name(*dt) + " block size " + std::to_string(dtype_block_elems(*dt)));
    if (__builtin_mul_overflow(static_cast<uint64_t>(row_bytes), numel / t.ne[0], &t.nbytes))
      c.fail(dims_at, what + ": size overflows");
    const uint64_t off_at = c.pos();
    t.rel_offset = c.get<uint64_t>(what + " data offset");
    if (t.rel_offset % f.alignment != 0)
      c.fail(off_at, what + ": data offset " + std::to_string(t.rel_offset) + " is not a multiple of the alignment " +
                         std::to_string(f.alignment));
    for (const TensorRecord& o : f.tensors)
      if (o.name == t.name) c.fail(t.info_offset, what + " appears twice");
    f.tensors.push_back(std::move(t));
  }

  // The data section starts at the next multiple of the alignment.
  const uint64_t end_of_infos = c.pos();
  f.data_offset = (end_of_infos + f.alignment - 1) / f.alignment * f.alignment;
  if (f.data_offset > file_size && !f.tensors.empty())
    c.fail(end_of_infos, "file ends before the tensor data section at offset " + std::to_string(f.data_offset));
  const uint64_t data_size = file_size > f.data_offset ? file_size - f.data_offset : 0;
  for (TensorRecord& t : f.tensors) {
    if (t.rel_offset > data_size || t.nbytes > data_size - t.rel_offset)
      throw InputError(path, "tensor \"" + t.name + "\"",
                       "data [" + std::to_string(f.data_offset) + "+" + std::to_string(t.rel_offset) + ", +" +
                           std::to_string(t.nbytes) + " bytes) runs past the end of the file (" +
                           std::to_string(file_size) + " bytes)");
    t.abs_offset = f.data_offset + t.rel_offset;
  }
  std::vector<const TensorRecord*> by_offset;
  for (const TensorRecord& t : f.tensors) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorRecord* a, const TensorRecord* b) { return a->rel_offset < b->rel_offset; });
  for (size_t k = 1; k < by_offset.size(); ++k) {
    const TensorRecord& a = *by_offset[k - 1];
    const TensorRecord& b = *by_offset[k];
    if (a.rel_offset + a.nbytes > b.rel_offset)
      throw InputError(path, "tensor \"" + b.name + "\"",
                       "data at offset " + std::to_string(b.abs_offset) + " overlaps tensor \"" + a.name +
                           "\" (offset " + std::to_string(a.abs_offset) + ", " + std::to_string(a.nbytes) + " bytes)");
  }
  return f;
}

}  // namespace smolc::gguf
