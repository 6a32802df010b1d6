// The default threaded platform (runtime/platform/platform_threads.cpp):
// every index runs exactly once, chunk starts are multiples of the grain,
// several threads really take part, a nested parallel_for runs inline, and
// thousands of short regions with sleeps and a second caller neither hang nor
// lose or repeat a chunk.
#include <catch2/catch.hpp>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "platform/smolc_platform.h"

namespace {

struct Record {
  std::vector<std::atomic<int>> hits;
  std::mutex mu;
  std::vector<std::pair<int, int>> chunks;
  std::set<std::thread::id> threads;
  explicit Record(int n) : hits(static_cast<size_t>(n)) {}
};

void record(void* ctx, int begin, int end) {
  auto* r = static_cast<Record*>(ctx);
  for (int i = begin; i < end; ++i) r->hits[static_cast<size_t>(i)]++;
  std::this_thread::sleep_for(std::chrono::microseconds(200));  // long enough that workers join in
  std::lock_guard<std::mutex> lock(r->mu);
  r->chunks.push_back({begin, end});
  r->threads.insert(std::this_thread::get_id());
}

}  // namespace

TEST_CASE("thread pool parallel_for covers every index once on grain boundaries") {
  for (int threads : {1, 2, 3, 8}) {
    const smolc_platform* p = smolc_platform_threads(threads);
    REQUIRE(p);
    REQUIRE(p->parallel_for);
    for (int n : {0, 1, 7, 64, 1000}) {
      for (int grain : {1, 3, 16}) {
        Record r(n);
        p->parallel_for(p->user, record, &r, n, grain);
        INFO("threads " << threads << " n " << n << " grain " << grain);
        for (int i = 0; i < n; ++i) REQUIRE(r.hits[static_cast<size_t>(i)].load() == 1);
        for (auto [b, e] : r.chunks) {
          CHECK(b % grain == 0);
          CHECK((e % grain == 0 || e == n));
        }
        CHECK(static_cast<int>(r.chunks.size()) <= std::max(1, threads));
      }
    }
  }
  // With 3 threads and plenty of work, more than one thread runs chunks.
  Record r(3000);
  const smolc_platform* p = smolc_platform_threads(3);
  p->parallel_for(p->user, record, &r, 3000, 1);
  CHECK(r.chunks.size() == 3);
  CHECK(r.threads.size() >= 2);
}

namespace {
struct Nested {
  const smolc_platform* p;
  std::atomic<int> inner{0};
};
void inner_fn(void* ctx, int b, int e) { static_cast<Nested*>(ctx)->inner += e - b; }
void outer_fn(void* ctx, int b, int e) {
  auto* n = static_cast<Nested*>(ctx);
  for (int i = b; i < e; ++i) n->p->parallel_for(n->p->user, inner_fn, n, 10, 1);
}
}  // namespace

TEST_CASE("a parallel_for inside a parallel_for runs inline and completes") {
  Nested n;
  n.p = smolc_platform_threads(2);
  n.p->parallel_for(n.p->user, outer_fn, &n, 6, 1);
  CHECK(n.inner.load() == 60);
}

namespace {
struct Tally {
  std::vector<int> hits;  // each index written by exactly one chunk, so no atomics
  explicit Tally(int n) : hits(static_cast<size_t>(n)) {}
};
void tally(void* ctx, int b, int e) {
  auto* t = static_cast<Tally*>(ctx);
  for (int i = b; i < e; ++i) ++t->hits[static_cast<size_t>(i)];
}
}  // namespace

// Decode-like traffic: thousands of short back-to-back regions (the pool hands
// them over by spinning), pauses long enough for the workers to fall asleep,
// and a second caller thread whose regions run inline while the pool is busy.
// A lost wake-up would hang here; a chunk run twice or never fails the count.
TEST_CASE("thread pool survives many short regions, sleeps and concurrent callers") {
  for (int threads : {2, 3}) {
    const smolc_platform* p = smolc_platform_threads(threads);
    auto caller = [p](int regions, int seed) {
      int bad = 0;
      for (int r = 0; r < regions; ++r) {
        const int n = 1 + (r * 7 + seed) % 97;
        Tally t(n);
        p->parallel_for(p->user, tally, &t, n, 1 + r % 4);
        for (int h : t.hits) bad += h != 1;
        if (r % 1000 == 999) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // workers go to sleep
      }
      return bad;
    };
    int bad_other = 0;
    std::thread other([&] { bad_other = caller(3000, 5); });
    const int bad = caller(6000, 1);
    other.join();
    INFO("threads " << threads);
    CHECK(bad == 0);
    CHECK(bad_other == 0);
  }
}
