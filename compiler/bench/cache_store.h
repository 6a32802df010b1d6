// The engine cache's entries on disk (DIR/engines/<name>-<target>-<key>/):
// listing, least-recently-used order and eviction. `compile_cached` marks an
// entry used each time it returns it and keeps the cache under its cap;
// `smolc cache` shows and trims it by hand.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace smolc {

struct CacheEntry {
  std::string dir;        // absolute path of the entry
  std::string name;       // the directory's name
  uint64_t bytes = 0;     // every file below it
  int64_t last_used = 0;  // nanoseconds since the epoch (the entry's .last_used stamp, else its mtime)
};

// Entries of the cache at `root` (cache_root()), least recently used first.
// Half-written entries (*.tmp-PID) are not listed.
std::vector<CacheEntry> cache_entries(const std::string& root);

// Records that the entry at `dir` was used now.
void mark_cache_entry_used(const std::string& dir);

// $SMOLC_CACHE_MAX_MB in bytes, else kDefaultCacheCapMB; InputError for a
// value that is not a whole number of megabytes.
constexpr uint64_t kDefaultCacheCapMB = 4096;
uint64_t cache_cap_bytes();

// Removes least recently used entries until the cache holds at most
// cap_bytes, never the entry at `keep` (may be empty). Returns what it removed.
std::vector<CacheEntry> evict_cache(const std::string& root, uint64_t cap_bytes, const std::string& keep);

}  // namespace smolc
