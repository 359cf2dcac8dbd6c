#pragma once
// The pipeline as an iterator (the Python API's ds.detect): the one loop (run.cpp) on a thread of
// its own, handing each frame with its detections over through a small queue, so the caller
// pulls frames when it likes while decoding and the model go on ahead.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/run.hpp"

namespace ds::pipeline {

class FrameStream {
 public:
  struct Item {
    Frame frame;
    std::vector<host::RawDetection> detections;  // boxes in the frame's pixels
    std::vector<std::string> class_names;        // what the labels index
    std::string model;
  };

  // Starts the loop over `source` with the current model of `models` (loaded by then, on the
  // caller's thread). Both must outlive the stream. A Python model takes the GIL itself: the
  // caller waits in next() and stop() without it.
  FrameStream(Source& source, Models& models, RunOptions options, std::size_t capacity = 4);
  ~FrameStream();
  FrameStream(const FrameStream&) = delete;
  FrameStream& operator=(const FrameStream&) = delete;

  // The next frame, or nullopt once the source has ended or the stream was stopped. Rethrows
  // the error that ended the loop (a model's Python exception as it was raised).
  std::optional<Item> next();
  // Ends the loop at its next frame and waits for its thread; frames not taken are dropped.
  void stop();
  // The run's counts and timings, once next() has returned nullopt.
  const Stats& stats() const { return stats_; }

 private:
  class QueueSink;
  bool push(Item item);  // false: stopping

  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> items_;
  bool done_ = false, stopping_ = false;
  std::exception_ptr error_;
  Stats stats_;
  std::thread thread_;
};

}  // namespace ds::pipeline
