// A read-only memory map of a whole file. Model files are mapped, never read
// into the heap, so a 1.7B checkpoint costs page cache, not RSS.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace smolc {

class MappedFile {
 public:
  // Throws InputError(path, "", reason) if the file cannot be opened or mapped.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace smolc
