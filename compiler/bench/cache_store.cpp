#include "bench/cache_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>

#include "frontend/error.h"

namespace smolc {
namespace fs = std::filesystem;

namespace {

constexpr const char* kStamp = ".last_used";

uint64_t tree_bytes(const fs::path& dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code fe;
    if (it->is_regular_file(fe)) n += it->file_size(fe);
  }
  return n;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// mtime in nanoseconds since the Unix epoch (stat, not file_time_type, whose
// epoch is not the system clock's: stamps and mtimes must compare).
int64_t mtime_ns(const fs::path& p) {
  struct stat st{};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

int64_t last_used(const fs::path& entry) {
  std::ifstream f(entry / kStamp);
  int64_t t = 0;
  if (f >> t) return t;
  return mtime_ns(entry);
}

// The folders of the cache root and the kind of entry each holds.
struct Kind {
  const char* folder;
  const char* kind;
};
constexpr Kind kKinds[] = {{"engines", "engine"}, {"linked", "linked"}, {"firmware", "firmware"}};

}  // namespace

std::vector<CacheEntry> cache_entries(const std::string& root) {
  std::vector<CacheEntry> out;
  for (const Kind& k : kKinds) {
    const fs::path folder = fs::path(root) / k.folder;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) continue;
    for (const auto& d : fs::directory_iterator(folder, ec)) {
      const std::string name = d.path().filename().string();
      if (name.find(".tmp-") != std::string::npos) continue;
      std::error_code de;
      if (d.is_directory(de))
        out.push_back({d.path().string(), name, k.kind, tree_bytes(d.path()), last_used(d.path())});
      else if (d.is_regular_file(de))
        out.push_back({d.path().string(), name, k.kind, d.file_size(de), mtime_ns(d.path())});
    }
  }
  std::sort(out.begin(), out.end(), [](const CacheEntry& a, const CacheEntry& b) {
    return a.last_used != b.last_used ? a.last_used < b.last_used : a.dir < b.dir;
  });
  return out;
}

void mark_cache_entry_used(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::ofstream(fs::path(path) / kStamp, std::ios::trunc) << now_ns() << "\n";
    return;
  }
  ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);  // a linked file: its mtime is its stamp
}

uint64_t cache_cap_bytes() {
  const char* v = std::getenv("SMOLC_CACHE_MAX_MB");
  if (!v || !*v) return kDefaultCacheCapMB << 20;
  uint64_t mb = 0;
  const char* end = v + std::char_traits<char>::length(v);
  const auto [p, ec] = std::from_chars(v, end, mb);
  if (ec != std::errc() || p != end || mb > (UINT64_MAX >> 20))
    throw InputError("SMOLC_CACHE_MAX_MB", "", std::string("\"") + v + "\" is not a whole number of megabytes");
  return mb << 20;
}

std::vector<CacheEntry> evict_cache(const std::string& root, uint64_t cap_bytes, const std::string& keep) {
  std::vector<CacheEntry> entries = cache_entries(root), removed;
  uint64_t total = 0;
  for (const CacheEntry& e : entries) total += e.bytes;
  for (const CacheEntry& e : entries) {
    if (total <= cap_bytes) break;
    std::error_code eq;
    if (!keep.empty() && fs::equivalent(e.dir, keep, eq)) continue;
    std::error_code ec;
    fs::remove_all(e.dir, ec);
    if (ec) continue;
    total -= e.bytes;
    removed.push_back(e);
  }
  return removed;
}

}  // namespace smolc

namespace smolc {

std::vector<std::string> admit_cache_entry(const std::string& root, const std::string& path) {
  mark_cache_entry_used(path);
  std::vector<std::string> notes;
  for (const CacheEntry& gone : evict_cache(root, cache_cap_bytes(), path))
    notes.push_back(gone.kind + " " + gone.name + " (" + std::to_string(gone.bytes) + " bytes)");
  return notes;
}

}  // namespace smolc
