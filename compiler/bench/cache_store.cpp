#include "bench/cache_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

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

int64_t last_used(const fs::path& dir) {
  std::ifstream f(dir / kStamp);
  int64_t t = 0;
  if (f >> t) return t;
  std::error_code ec;
  const auto mtime = fs::last_write_time(dir, ec);
  if (ec) return 0;
  // file_time_type's epoch is not the system clock's; only the order matters here.
  return std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
}

}  // namespace

std::vector<CacheEntry> cache_entries(const std::string& root) {
  std::vector<CacheEntry> out;
  const fs::path engines = fs::path(root) / "engines";
  std::error_code ec;
  if (!fs::is_directory(engines, ec)) return out;
  for (const auto& d : fs::directory_iterator(engines, ec)) {
    const std::string name = d.path().filename().string();
    if (!d.is_directory() || name.find(".tmp-") != std::string::npos) continue;
    out.push_back({d.path().string(), name, tree_bytes(d.path()), last_used(d.path())});
  }
  std::sort(out.begin(), out.end(), [](const CacheEntry& a, const CacheEntry& b) {
    return a.last_used != b.last_used ? a.last_used < b.last_used : a.name < b.name;
  });
  return out;
}

void mark_cache_entry_used(const std::string& dir) {
  const int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::ofstream(fs::path(dir) / kStamp, std::ios::trunc) << now << "\n";
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
    if (!keep.empty() && fs::equivalent(e.dir, keep)) continue;
    std::error_code ec;
    fs::remove_all(e.dir, ec);
    if (ec) continue;
    total -= e.bytes;
    removed.push_back(e);
  }
  return removed;
}

}  // namespace smolc
