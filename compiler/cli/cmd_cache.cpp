// `smolc cache list|prune|clear`: the engine cache that `run` and `bench`
// compile and link into (bench/cache_store.h: engines, objects linked from
// compiled directories, firmware builds). Entries are evicted least recently
// used first: automatically when a new one takes the cache past its cap
// ($SMOLC_CACHE_MAX_MB, default 4096), or here by hand.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include "bench/cache_store.h"
#include "bench/engine_cache.h"
#include "cli/command.h"
#include "cli/number_option.h"
#include "common/escape.h"
#include "frontend/error.h"

namespace {

struct CacheArgs {
  std::string action;
  int64_t max_mb = -1;  // prune: -1 means the configured cap
};

std::string mb(uint64_t bytes) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return b;
}

// Wall-clock time of a .last_used stamp (nanoseconds since the Unix epoch).
std::string when(int64_t ns) {
  const std::time_t t = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  if (ns <= 0 || !::localtime_r(&t, &tm)) return "unknown";
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
  return b;
}

// "3 entries (2 engines, 1 linked, 0 firmware)": how many of each kind.
std::string count_line(const std::vector<smolc::CacheEntry>& entries) {
  size_t engines = 0, linked = 0, firmware = 0;
  for (const auto& e : entries) (e.kind == "engine" ? engines : e.kind == "linked" ? linked : firmware) += 1;
  return std::to_string(entries.size()) + (entries.size() == 1 ? " entry (" : " entries (") + std::to_string(engines) +
         (engines == 1 ? " engine, " : " engines, ") + std::to_string(linked) + " linked, " + std::to_string(firmware) +
         " firmware)";
}

int list(const std::string& root) {
  const auto entries = smolc::cache_entries(root);
  uint64_t total = 0;
  std::printf("%-20s %10s  %-8s  %s\n", "last used", "size", "kind", "entry");
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {  // most recent first
    std::printf("%-20s %10s  %-8s  %s\n", when(it->last_used).c_str(), mb(it->bytes).c_str(), it->kind.c_str(),
                smolc::printable(it->name).c_str());
    total += it->bytes;
  }
  std::printf("%s, %s in %s (cap %s)\n", count_line(entries).c_str(), mb(total).c_str(), smolc::printable(root).c_str(),
              mb(smolc::cache_cap_bytes()).c_str());
  return 0;
}

int prune(const std::string& root, uint64_t cap) {
  const auto removed = smolc::evict_cache(root, cap, "");
  uint64_t freed = 0;
  for (const auto& e : removed) {
    std::printf("removed %s %s (%s)\n", e.kind.c_str(), smolc::printable(e.name).c_str(), mb(e.bytes).c_str());
    freed += e.bytes;
  }
  std::printf("%s removed, %s freed\n", count_line(removed).c_str(), mb(freed).c_str());
  return 0;
}

int run(const CacheArgs& a) {
  const std::string root = smolc::cache_root();
  if (a.action == "list") return list(root);
  if (a.action == "prune")
    return prune(root, a.max_mb < 0 ? smolc::cache_cap_bytes() : static_cast<uint64_t>(a.max_mb) << 20);
  if (a.action == "clear") return prune(root, 0);
  throw smolc::InputError("smolc cache", a.action, "unknown action (expected list, prune or clear)");
}

smolc::cli::Register reg(
    {"cache",
     "Show or trim the engine cache (engines, linked objects, firmware builds): list, prune [--max-mb N], clear",
     [](CLI::App& sub) {
       auto a = std::make_shared<CacheArgs>();
       sub.add_option("action", a->action, "list | prune | clear")->required();
       smolc::cli::add_number(sub, "--max-mb", a->max_mb,
                              "prune: remove least recently used entries until the cache holds at most N MB "
                              "(default: $SMOLC_CACHE_MAX_MB, else 4096)",
                              int64_t{0}, int64_t{1} << 40);
       return std::function<int()>([a] { return run(*a); });
     }});

}  // namespace
