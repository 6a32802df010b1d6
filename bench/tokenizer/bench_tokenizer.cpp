// Encode throughput of the heap-free runtime (rt::tok_encode over tables the
// host builds from SmolLM2's tokenizer.json), one thread, thread CPU time.
// Build and run with bench/tokenizer/run.sh.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "text/tokenizer_tables.h"

namespace {
double thread_cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s tokenizer.json corpus.txt\n", argv[0]);
    return 2;
  }
  const smolc::TokenizerTableData data = smolc::build_tokenizer_tables(smolc::load_hf_tokenizer_json(argv[1]));
  const smolc::rt::TokTables t = data.view();
  std::ifstream f(argv[2], std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string corpus = ss.str();
  // The whole corpus, then its first 256 KiB (one pass over each license
  // text, so the word cache sees few repeats).
  for (size_t size : {corpus.size(), std::min<size_t>(corpus.size(), 256 << 10)}) {
  const std::string text = corpus.substr(0, size);
  std::vector<int32_t> ids(text.size() + 1);
  std::vector<unsigned char> scratch(smolc::rt::tok_encode_scratch_bytes(text.size()));
  std::vector<double> rates;
  int64_t n = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = thread_cpu_s();
    n = smolc::rt::tok_encode(&t, text.data(), text.size(), ids.data(), ids.size(), scratch.data(), scratch.size());
    const double secs = thread_cpu_s() - t0;
    if (n < 0) return 1;
    rates.push_back(text.size() / secs / 1e6);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("smolc runtime encode: %.1f MB/s (median of 5, %zu bytes -> %lld tokens)\n", rates[2], text.size(),
              static_cast<long long>(n));
  }
  return 0;
}
