// The default threaded platform: a small pthread pool shared by every engine
// in the process. Static storage only (no heap); workers start on first use.
// parallel_for cuts [0, n) into at most n_threads contiguous chunks on grain
// boundaries; the caller runs one chunk itself. A second parallel_for that
// arrives while one is running (another thread, or nested) runs inline, which
// is always correct because results never depend on the split.
#include "platform/smolc_platform.h"

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <unistd.h>

namespace {

constexpr int kMaxThreads = 64;

struct Job {
  smolc_range_fn fn = nullptr;
  void* ctx = nullptr;
  int n = 0, grain = 1, chunks = 0;
  int next_chunk = 0;  // next chunk to hand out
  int pending = 0;     // chunks not yet finished
};

pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_wake = PTHREAD_COND_INITIALIZER;
pthread_cond_t g_done = PTHREAD_COND_INITIALIZER;
pthread_mutex_t g_busy = PTHREAD_MUTEX_INITIALIZER;  // held for the whole of one parallel_for
unsigned long long g_generation = 0;
int g_workers = 0;
Job g_job;

// Chunk c of `chunks` over `units` grain-units, as an item range.
void chunk_range(const Job& j, int c, int* begin, int* end) {
  const long long units = (static_cast<long long>(j.n) + j.grain - 1) / j.grain;
  const long long u0 = units * c / j.chunks, u1 = units * (c + 1) / j.chunks;
  const long long b = u0 * j.grain, e = u1 * j.grain;
  *begin = static_cast<int>(b);
  *end = static_cast<int>(e < j.n ? e : j.n);
}

// Runs chunks of the current job until none is left; called with g_mu held.
void run_chunks_locked() {
  while (g_job.next_chunk < g_job.chunks) {
    const int c = g_job.next_chunk++;
    int b = 0, e = 0;
    chunk_range(g_job, c, &b, &e);
    const smolc_range_fn fn = g_job.fn;
    void* ctx = g_job.ctx;
    pthread_mutex_unlock(&g_mu);
    if (b < e) fn(ctx, b, e);
    pthread_mutex_lock(&g_mu);
    if (--g_job.pending == 0) pthread_cond_signal(&g_done);
  }
}

void* worker_main(void*) {
  unsigned long long seen = 0;
  pthread_mutex_lock(&g_mu);
  for (;;) {
    while (g_generation == seen) pthread_cond_wait(&g_wake, &g_mu);
    seen = g_generation;
    run_chunks_locked();
  }
  return nullptr;
}

int online_cpus() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (n > kMaxThreads ? kMaxThreads : static_cast<int>(n));
}

// Starts workers up to `want` (the caller is not counted); returns how many run.
int ensure_workers(int want) {
  while (g_workers < want) {
    pthread_t t;
    if (pthread_create(&t, nullptr, worker_main, nullptr) != 0) break;
    pthread_detach(t);
    ++g_workers;
  }
  return g_workers < want ? g_workers : want;
}

void pool_parallel_for(void* user, smolc_range_fn fn, void* ctx, int n, int grain) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int threads = static_cast<int>(reinterpret_cast<long>(user));
  const long long units = (static_cast<long long>(n) + grain - 1) / grain;
  if (threads > units) threads = static_cast<int>(units);
  if (threads <= 1 || pthread_mutex_trylock(&g_busy) != 0) {
    fn(ctx, 0, n);
    return;
  }
  pthread_mutex_lock(&g_mu);
  threads = 1 + ensure_workers(threads - 1);
  g_job.fn = fn;
  g_job.ctx = ctx;
  g_job.n = n;
  g_job.grain = grain;
  g_job.chunks = threads;
  g_job.next_chunk = 0;
  g_job.pending = threads;
  ++g_generation;
  pthread_cond_broadcast(&g_wake);
  run_chunks_locked();
  while (g_job.pending > 0) pthread_cond_wait(&g_done, &g_mu);
  pthread_mutex_unlock(&g_mu);
  pthread_mutex_unlock(&g_busy);
}

uint64_t pool_now_ns(void*) { return smolc_platform_serial()->now_ns(nullptr); }
void pool_write(void*, const char* bytes, size_t n) { smolc_platform_serial()->write(nullptr, bytes, n); }

smolc_platform g_platforms[kMaxThreads + 1];

}  // namespace

extern "C" const smolc_platform* smolc_platform_threads(int n_threads) {
  if (n_threads <= 0) n_threads = online_cpus();
  if (n_threads > kMaxThreads) n_threads = kMaxThreads;
  if (n_threads == 1) return smolc_platform_serial();
  smolc_platform& p = g_platforms[n_threads];
  // Idempotent: every caller writes the same values.
  p.parallel_for = pool_parallel_for;
  p.now_ns = pool_now_ns;
  p.write = pool_write;
  p.user = reinterpret_cast<void*>(static_cast<long>(n_threads));
  return &p;
}

#else  // no POSIX threads: the serial platform is the default

extern "C" const smolc_platform* smolc_platform_threads(int) { return smolc_platform_serial(); }

#endif
