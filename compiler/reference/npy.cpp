#include "reference/npy.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <regex>

#include "frontend/error.h"
#include "frontend/mapped_file.h"

namespace smolc {

void write_npy_f32(const std::string& path, const float* data, int64_t rows, int64_t cols) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                     std::to_string(cols) + "), }";
  // Magic (6) + version (2) + header length (2) + dict, padded with spaces and
  // a final '\n' to a multiple of 64 bytes, as numpy itself writes it.
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) throw InputError(path, "", "cannot open for writing");
  const uint16_t hlen = static_cast<uint16_t>(dict.size());
  const unsigned char head[10] = {0x93,
                                  'N',
                                  'U',
                                  'M',
                                  'P',
                                  'Y',
                                  1,
                                  0,
                                  static_cast<unsigned char>(hlen & 0xff),
                                  static_cast<unsigned char>(hlen >> 8)};
  const size_t n = static_cast<size_t>(rows * cols);
  if (std::fwrite(head, 1, 10, f.get()) != 10 || std::fwrite(dict.data(), 1, dict.size(), f.get()) != dict.size() ||
      std::fwrite(data, sizeof(float), n, f.get()) != n)
    throw InputError(path, "", "write failed");
}

NpyF32 read_npy_f32(const std::string& path) {
  std::shared_ptr<MappedFile> f = MappedFile::open(path);
  const uint8_t* p = f->data();
  if (f->size() < 10 || std::memcmp(p, "\x93NUMPY", 6) != 0 || p[6] != 1)
    throw InputError(path, "offset 0", "not a version 1 .npy file");
  const size_t hlen = p[8] | (static_cast<size_t>(p[9]) << 8);
  if (hlen > f->size() - 10) throw InputError(path, "offset 8", "header length runs past the end of the file");
  const std::string dict(reinterpret_cast<const char*>(p + 10), hlen);
  if (dict.find("'descr': '<f4'") == std::string::npos || dict.find("'fortran_order': False") == std::string::npos)
    throw InputError(path, "header", "expected little-endian float32 in C order, got " + dict);
  std::smatch m;
  static const std::regex shape_re(R"('shape': \((\d+),\s*(\d*)\s*,?\s*\))");
  if (!std::regex_search(dict, m, shape_re))
    throw InputError(path, "header", "expected a 1-D or 2-D shape, got " + dict);
  NpyF32 a;
  const std::string r = m[1].str(), c = m[2].str();
  if (r.size() > 12 || c.size() > 12) throw InputError(path, "header", "shape is absurdly large: " + dict);
  a.rows = c.empty() ? 1 : std::stoll(r);
  a.cols = c.empty() ? std::stoll(r) : std::stoll(c);
  const size_t body = f->size() - 10 - hlen;
  if (static_cast<unsigned __int128>(a.rows) * static_cast<unsigned __int128>(a.cols) * 4 != body)
    throw InputError(path, "offset " + std::to_string(10 + hlen),
                     std::to_string(body) + " data bytes do not hold shape (" + std::to_string(a.rows) + ", " +
                         std::to_string(a.cols) + ") of float32");
  a.data.resize(static_cast<size_t>(a.rows * a.cols));
  if (body) std::memcpy(a.data.data(), p + 10 + hlen, body);
  return a;
}

}  // namespace smolc
