#include "pipeline/frame_stream.hpp"

#include <algorithm>
#include <utility>

namespace ds::pipeline {

class FrameStream::QueueSink final : public Sink {
 public:
  explicit QueueSink(FrameStream& stream) : stream_(stream) {}
  std::string_view stage() const override { return "handing over"; }
  Control consume(const Result& r) override {
    return stream_.push({r.frame, r.detections, r.class_names, r.model}) ? Control::kContinue : Control::kStop;
  }

 private:
  FrameStream& stream_;
};

FrameStream::FrameStream(Source& source, Models& models, RunOptions options, std::size_t capacity)
    : capacity_(std::max<std::size_t>(1, capacity)) {
  thread_ = std::thread([this, &source, &models, options = std::move(options)] {
    QueueSink sink(*this);
    Sink* sinks[] = {&sink};
    Stats stats;
    std::exception_ptr error;
    try {
      stats = run(source, models, sinks, options);
    } catch (...) {
      error = std::current_exception();
    }
    const std::lock_guard lock(mutex_);
    stats_ = std::move(stats);
    error_ = error;
    done_ = true;
    changed_.notify_all();
  });
}

FrameStream::~FrameStream() { stop(); }

bool FrameStream::push(Item item) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return stopping_ || items_.size() < capacity_; });
  if (stopping_) return false;
  items_.push_back(std::move(item));
  changed_.notify_all();
  return true;
}

std::optional<FrameStream::Item> FrameStream::next() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !items_.empty() || done_; });
  if (!items_.empty()) {
    Item item = std::move(items_.front());
    items_.pop_front();
    changed_.notify_all();
    return item;
  }
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  return std::nullopt;
}

void FrameStream::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    items_.clear();
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace ds::pipeline
