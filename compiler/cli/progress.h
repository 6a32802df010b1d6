// A progress bar on stderr, drawn only when stderr is a terminal.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdio>

namespace smolc::cli {

inline void progress_bar(const char* what, size_t done, size_t total) {
  if (!isatty(2) || total == 0) return;
  const int width = 30, filled = static_cast<int>(width * done / total);
  std::fprintf(stderr, "\r%-10s [%.*s%*s] %3d%%", what, filled, "##############################", width - filled, "",
               static_cast<int>(100 * done / total));
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace smolc::cli
