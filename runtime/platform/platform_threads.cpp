// The default threaded platform: a small pthread pool shared by every engine
// in the process. Static storage only (no heap); workers start on first use.
// parallel_for cuts [0, n) into at most n_threads contiguous chunks on grain
// boundaries; the caller runs chunks itself too. A second parallel_for that
// arrives while one is running (another thread, or nested) runs inline, which
// is always correct because results never depend on the split.
//
// Hand-off: a decode step is ~150 short parallel regions (4 per layer plus
// attention and lm_head, each 10-100 us), so waking a sleeping thread per
// region (futex + an IPI to a halted vCPU under KVM) cost more than the second
// thread saved. Waiting threads therefore spin for up to kSpinNs on an atomic
// before they sleep on a condition variable: back-to-back regions never sleep,
// and an idle pool (between user calls, or on an oversubscribed machine where
// the partner was descheduled) does not burn a core for more than kSpinNs.
#include "platform/smolc_platform.h"

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#ifndef SMOLC_POOL_SPIN_NS
#define SMOLC_POOL_SPIN_NS 20000
#endif

namespace {

constexpr int kMaxThreads = 64;
constexpr uint64_t kSpinNs = SMOLC_POOL_SPIN_NS;

// The job being run. Written by the caller only while no chunk of it can be
// claimed (before it is published in g_state), read after a chunk is claimed.
struct Job {
  smolc_range_fn fn = nullptr;
  void* ctx = nullptr;
  int n = 0, grain = 1;
};
Job g_job;

// One word: generation (bits 16..31) | chunks (bits 8..15) | next unclaimed
// chunk (bits 0..7). A thread claims chunk c by a CAS from (gen, chunks, c) to
// c + 1, so a claim is valid for exactly the job current at that moment, and
// the job fields it then reads cannot change before that chunk is finished.
std::atomic<uint32_t> g_state{0};
std::atomic<int> g_pending{0};   // chunks of the current job not yet finished
std::atomic<int> g_sleepers{0};  // workers asleep (or about to sleep) on g_wake
std::atomic<int> g_caller_asleep{0};

pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;  // guards the sleeps and worker start
pthread_cond_t g_wake = PTHREAD_COND_INITIALIZER;
pthread_cond_t g_done = PTHREAD_COND_INITIALIZER;
pthread_mutex_t g_busy = PTHREAD_MUTEX_INITIALIZER;  // held for the whole of one parallel_for
int g_workers = 0;

inline uint32_t gen_of(uint32_t s) { return s >> 16; }
inline int chunks_of(uint32_t s) { return static_cast<int>((s >> 8) & 0xffu); }
inline int next_of(uint32_t s) { return static_cast<int>(s & 0xffu); }

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// Each sleeper handshake is a store of one flag followed by a load of the
// other side's (Dekker). seq_cst alone orders that in C++ and on hardware
// (STLR then LDAR on Arm), but qemu-user on an x86 host translates STLR and
// LDAR to plain moves, which x86 may reorder: the caller then slept on g_done
// while the last worker saw no sleeper, and a threaded aarch64 engine hung
// about once in 50 runs under qemu-aarch64. A full fence orders it everywhere;
// it runs once per parallel region and before each sleep, not per chunk.
inline void store_load_fence() { std::atomic_thread_fence(std::memory_order_seq_cst); }

uint64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Spins until done() or kSpinNs passed; returns done().
template <class Done>
bool spin_until(Done done) {
  if (done()) return true;
  const uint64_t t0 = mono_ns();
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      cpu_relax();
      if (done()) return true;
    }
    if (mono_ns() - t0 >= kSpinNs) return done();
  }
}

// Chunk c of `chunks` over the grain-units of [0, n), as an item range.
void chunk_range(int c, int chunks, int* begin, int* end) {
  const long long units = (static_cast<long long>(g_job.n) + g_job.grain - 1) / g_job.grain;
  const long long u0 = units * c / chunks, u1 = units * (c + 1) / chunks;
  const long long b = u0 * g_job.grain, e = u1 * g_job.grain;
  *begin = static_cast<int>(b);
  *end = static_cast<int>(e < g_job.n ? e : g_job.n);
}

// Claims and runs chunks of generation `gen` until none is left.
void run_chunks(uint32_t gen) {
  uint32_t s = g_state.load(std::memory_order_acquire);
  for (;;) {
    if (gen_of(s) != gen || next_of(s) >= chunks_of(s)) return;
    if (!g_state.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    int b = 0, e = 0;
    chunk_range(next_of(s), chunks_of(s), &b, &e);
    if (b < e) g_job.fn(g_job.ctx, b, e);
    if (g_pending.fetch_sub(1) == 1 && g_caller_asleep.load() != 0) {
      pthread_mutex_lock(&g_mu);
      pthread_cond_broadcast(&g_done);
      pthread_mutex_unlock(&g_mu);
    }
    s = g_state.load(std::memory_order_acquire);
  }
}

void* worker_main(void*) {
  uint32_t seen = gen_of(g_state.load());
  for (;;) {
    if (!spin_until([&] { return gen_of(g_state.load(std::memory_order_acquire)) != seen; })) {
      pthread_mutex_lock(&g_mu);
      g_sleepers.fetch_add(1);
      while (gen_of(g_state.load()) == seen) pthread_cond_wait(&g_wake, &g_mu);
      g_sleepers.fetch_sub(1);
      pthread_mutex_unlock(&g_mu);
    }
    seen = gen_of(g_state.load(std::memory_order_acquire));
    run_chunks(seen);
  }
  return nullptr;
}

int online_cpus() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (n > kMaxThreads ? kMaxThreads : static_cast<int>(n));
}

// Starts workers up to `want` (the caller is not counted); returns how many run.
int ensure_workers(int want) {
  pthread_mutex_lock(&g_mu);
  while (g_workers < want) {
    pthread_t t;
    if (pthread_create(&t, nullptr, worker_main, nullptr) != 0) break;
    pthread_detach(t);
    ++g_workers;
  }
  const int have = g_workers < want ? g_workers : want;
  pthread_mutex_unlock(&g_mu);
  return have;
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
  threads = 1 + ensure_workers(threads - 1);
  g_job.fn = fn;
  g_job.ctx = ctx;
  g_job.n = n;
  g_job.grain = grain;
  g_pending.store(threads);
  const uint32_t gen = (gen_of(g_state.load()) + 1) & 0xffffu;
  g_state.store((gen << 16) | (static_cast<uint32_t>(threads) << 8));  // publishes the job
  store_load_fence();
  if (g_sleepers.load() != 0) {
    pthread_mutex_lock(&g_mu);
    pthread_cond_broadcast(&g_wake);
    pthread_mutex_unlock(&g_mu);
  }
  run_chunks(gen);
  if (!spin_until([] { return g_pending.load(std::memory_order_acquire) == 0; })) {
    pthread_mutex_lock(&g_mu);
    g_caller_asleep.store(1);
    store_load_fence();
    while (g_pending.load() != 0) pthread_cond_wait(&g_done, &g_mu);
    g_caller_asleep.store(0);
    pthread_mutex_unlock(&g_mu);
  }
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
