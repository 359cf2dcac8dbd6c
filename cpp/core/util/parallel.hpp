#pragma once
// Items 0..n-1 spread over the cores, each thread taking the next one: COCO's merged categories
// (coco/match_records) and the analyses' images (analysis/image_boxes). The first exception a
// thread meets stops the others and is rethrown to the caller.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ds {

// Runs work(take) on min(n, cores) threads (on this one when that is 1). take() hands out
// 0, 1, ..., each index once; from n on the items are done: `for (i = take(); i < n; i = take())`.
// A thread's own state (scratch buffers) lives in its call of work.
template <class Work>
void on_cores(std::size_t n, Work work) {
  std::atomic<std::size_t> next{0};
  std::mutex failed_lock;
  std::exception_ptr failed;
  const auto take = [&] { return next++; };
  const auto run = [&] {
    try {
      work(take);
    } catch (...) {
      const std::lock_guard lock(failed_lock);
      if (!failed) failed = std::current_exception();
      next = n;  // the others stop too
    }
  };
  const std::size_t threads = std::min<std::size_t>(n, std::max(1u, std::thread::hardware_concurrency()));
  if (threads <= 1) {
    run();
  } else {
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(run);
  }
  if (failed) std::rethrow_exception(failed);
}

}  // namespace ds
