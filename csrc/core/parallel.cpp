#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <vector>

namespace tt {
namespace {

thread_local bool t_in_worker = false;

class Pool {
 public:
  Pool() {
    int32_t n = int32_t(std::thread::hardware_concurrency());
    if (const char* env = std::getenv("TINYTORCH_NUM_THREADS")) n = std::atoi(env);
    resize(std::max(1, n));
  }
  ~Pool() { stop_workers(); }

  int32_t size() const { return size_; }

  void resize(int32_t n) {
    std::lock_guard<std::mutex> own(owner_);
    stop_workers();
    size_ = std::max(1, n);
    stopping_ = false;
    for (int32_t i = 1; i < size_; ++i) workers_.emplace_back([this] { work_loop(); });
  }

  void run(int64_t n, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx) {
    std::unique_lock<std::mutex> own(owner_, std::try_to_lock);
    if (!own.owns_lock() || t_in_worker || size_ == 1) {
      fn(ctx, 0, n);
      return;
    }
    // A few chunks per thread balance uneven rows without making chunks too small.
    int64_t chunks = std::min<int64_t>((n + grain - 1) / grain, int64_t(size_) * 4);
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = fn;
      ctx_ = ctx;
      n_ = n;
      chunk_ = (n + chunks - 1) / chunks;
      next_.store(0);
      pending_ = size_ - 1;
      ++generation_;
    }
    wake_.notify_all();
    t_in_worker = true;
    drain();
    t_in_worker = false;
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  void drain() {
    for (;;) {
      int64_t begin = next_.fetch_add(chunk_);
      if (begin >= n_) return;
      fn_(ctx_, begin, std::min(n_, begin + chunk_));
    }
  }
  void work_loop() {
    t_in_worker = true;
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
      }
      drain();
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) done_.notify_one();
    }
  }
  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::mutex owner_;  // held by the thread whose job the pool is running
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  int32_t size_ = 1;
  bool stopping_ = false;
  uint64_t generation_ = 0;
  int32_t pending_ = 0;
  void (*fn_)(void*, int64_t, int64_t) = nullptr;
  void* ctx_ = nullptr;
  int64_t n_ = 0, chunk_ = 1;
  std::atomic<int64_t> next_{0};
};

Pool* g_pool = nullptr;
std::once_flag g_atfork_once;

Pool& pool() {
  // Leaked on purpose: joining threads during static destruction at interpreter exit can deadlock.
  // A forked child (a DataLoader worker) has none of the parent's threads: it starts a pool of its own.
  std::call_once(g_atfork_once, [] { pthread_atfork(nullptr, nullptr, [] { g_pool = nullptr; }); });
  if (!g_pool) g_pool = new Pool();
  return *g_pool;
}

}  // namespace

void parallel_for_impl(int64_t n, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx) {
  pool().run(n, std::max<int64_t>(grain, 1), fn, ctx);
}
int32_t num_threads() { return pool().size(); }
void set_num_threads(int32_t n) { pool().resize(n); }

}  // namespace tt
