// What the engine cache holds on disk, every kind of it:
//   DIR/engines/<name>-<target>-<key>/  compiled engines (with their bench
//                                       runners and run shared objects inside),
//   DIR/linked/<file or dir>            what `run DIR` and `bench DIR` link
//                                       from a user's compiled directory
//                                       (engine-HASH.so, runner-HASH/),
//   DIR/firmware/<machine>-<format>/    `run --target cortex-m*` firmware builds.
// Listing, least-recently-used order and eviction. `compile_cached` marks an
// entry used each time it returns it and keeps the cache under its cap;
// `smolc cache` shows and trims it by hand.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace smolc {

struct CacheEntry {
  std::string dir;        // absolute path of the entry (a directory, or a linked file)
  std::string name;       // its file name
  std::string kind;       // "engine", "linked" or "firmware" (the folder it is in)
  uint64_t bytes = 0;     // every file below it
  int64_t last_used = 0;  // nanoseconds since the Unix epoch (a directory's .last_used stamp, else its mtime)
};

// Entries of the cache at `root` (cache_root()), of every kind, least
// recently used first. Half-written entries (names with ".tmp-") are not listed.
std::vector<CacheEntry> cache_entries(const std::string& root);

// Records that the entry at `path` (a directory or a linked file) was used now.
void mark_cache_entry_used(const std::string& path);

// $SMOLC_CACHE_MAX_MB in bytes, else kDefaultCacheCapMB; InputError for a
// value that is not a whole number of megabytes.
constexpr uint64_t kDefaultCacheCapMB = 4096;
uint64_t cache_cap_bytes();

// Removes least recently used entries until the cache holds at most
// cap_bytes, never the entry at `keep` (may be empty). Returns what it removed.
std::vector<CacheEntry> evict_cache(const std::string& root, uint64_t cap_bytes, const std::string& keep);

// After a new entry at `path` entered the cache: marks it used and evicts
// others past the configured cap. Returns "kind name (N bytes)" per removal,
// for cli::note_evictions.
std::vector<std::string> admit_cache_entry(const std::string& root, const std::string& path);

}  // namespace smolc
