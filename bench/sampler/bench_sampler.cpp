// Time per smolc_sampler_sample() call at vocab 49152 (SmolLM2), with and
// without cutoffs, against a full std::sort of the candidates as the
// baseline the cutoffs avoid. Build and run with bench/sampler/run.sh.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include "sampler/sampler.h"

namespace {

double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

struct Config {
  const char *name;
  float temperature;
  int32_t top_k;
  float top_p, min_p, penalty;
};

// Median of `reps` timed batches of `calls` samples each, in microseconds per
// call (thread CPU time, so other processes on the machine do not count).
double time_config(const Config &c, const std::vector<float> &logits, const std::vector<int32_t> &hist,
                   int reps, int calls, size_t *kept_out) {
  const int32_t vocab = (int32_t)logits.size();
  std::vector<unsigned char> work(smolc_sampler_work_bytes(vocab));
  smolc_sampler_params p = smolc_sampler_default_params();
  p.temperature = c.temperature;
  p.top_k = c.top_k;
  p.top_p = c.top_p;
  p.min_p = c.min_p;
  p.repeat_penalty = c.penalty;
  p.repeat_last_n = 64;
  p.seed = 1;
  smolc_sampler s;
  if (smolc_sampler_init(&s, &p, vocab, work.data(), work.size()) != SMOLC_SAMPLER_OK) return -1;
  *kept_out = (size_t)smolc_sampler_candidates(&s, logits.data(), hist.data(), (int32_t)hist.size(),
                                               nullptr, nullptr, 0);
  std::vector<double> per_call;
  volatile int32_t sink = 0;
  for (int r = 0; r < reps; ++r) {
    double t0 = thread_cpu_ns();
    for (int i = 0; i < calls; ++i) sink = sink + smolc_sampler_sample(&s, logits.data(), hist.data(), (int32_t)hist.size());
    per_call.push_back((thread_cpu_ns() - t0) / calls / 1000.0);
  }
  std::sort(per_call.begin(), per_call.end());
  return per_call[per_call.size() / 2];
}

double time_full_sort(const std::vector<float> &logits, int reps) {
  struct Cand {
    float logit;
    int32_t id;
  };
  std::vector<Cand> c(logits.size());
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    for (size_t i = 0; i < logits.size(); ++i) c[i] = {logits[i], (int32_t)i};
    double t0 = thread_cpu_ns();
    std::sort(c.begin(), c.end(), [](const Cand &a, const Cand &b) {
      return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    });
    t.push_back((thread_cpu_ns() - t0) / 1000.0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main() {
  const int32_t vocab = 49152;
  // Logits with the spread of a small LM's output (normal, sigma 2.5).
  std::mt19937 gen(2024);
  std::normal_distribution<float> nd(0.0f, 2.5f);
  std::vector<float> logits(vocab);
  for (float &x : logits) x = nd(gen);
  std::vector<int32_t> hist;
  for (int i = 0; i < 64; ++i) hist.push_back((int32_t)((i * 7919) % vocab));

  const Config configs[] = {
      {"greedy (T=0)", 0.0f, 0, 1.0f, 0.0f, 1.0f},
      {"T=1, no cutoff", 1.0f, 0, 1.0f, 0.0f, 1.0f},
      {"top-k 40", 1.0f, 40, 1.0f, 0.0f, 1.0f},
      {"top-p 0.9", 1.0f, 0, 0.9f, 0.0f, 1.0f},
      {"top-p 0.5", 1.0f, 0, 0.5f, 0.0f, 1.0f},
      {"min-p 0.05", 1.0f, 0, 1.0f, 0.05f, 1.0f},
      {"k40 p0.95 minp0.05 T0.8", 0.8f, 40, 0.95f, 0.05f, 1.0f},
      {"penalty 1.1/64 + k40 p0.95", 0.8f, 40, 0.95f, 0.0f, 1.1f},
  };
  std::printf("vocab %d, median of 15 batches of 200 calls, thread CPU time\n", vocab);
  std::printf("%-30s %12s %10s\n", "config", "us/sample", "kept");
  for (const Config &c : configs) {
    size_t kept = 0;
    double us = time_config(c, logits, hist, 15, 200, &kept);
    std::printf("%-30s %12.1f %10zu\n", c.name, us, kept);
  }
  std::printf("%-30s %12.1f %10s\n", "baseline: std::sort of all", time_full_sort(logits, 15), "-");
  return 0;
}
