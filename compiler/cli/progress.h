// A progress bar on stderr, drawn only when stderr is a terminal; the note
// after the engine cache evicted entries to stay under its cap.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace smolc::cli {

inline void progress_bar(const char* what, size_t done, size_t total) {
  if (!isatty(2) || total == 0) return;
  const int width = 30, filled = static_cast<int>(width * done / total);
  std::fprintf(stderr, "\r%-10s [%.*s%*s] %3d%%", what, filled, "##############################", width - filled, "",
               static_cast<int>(100 * done / total));
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

inline void note_evictions(const std::vector<std::string>& evicted) {
  for (const std::string& e : evicted)
    std::fprintf(stderr,
                 "smolc: note: the engine cache is past its cap ($SMOLC_CACHE_MAX_MB, default 4096); removed "
                 "the least recently used %s (smolc cache list shows the rest)\n",
                 e.c_str());
}

}  // namespace smolc::cli
