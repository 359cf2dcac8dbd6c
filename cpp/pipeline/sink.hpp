#pragma once
// Where results go: evaluators, detections files, a video, a window, a dataset. Every command
// is a source, a detector and a list of sinks; a new sink plugs into all of them.
#include <string_view>

#include "pipeline/frame.hpp"

namespace ds::pipeline {

// What a sink asks of the loop after a frame.
enum class Control { kContinue, kStop, kNextModel };

class Sink {
 public:
  virtual ~Sink() = default;
  // Names the sink's stage in the timings ("scoring", "drawing", "encoding", ...).
  virtual std::string_view stage() const = 0;
  virtual Control consume(const Result& result) = 0;
  // A frame that could not be decoded was skipped (--skip-bad).
  virtual void skipped(const Frame&) {}
  // Every frame of a model batch has been consumed (a journal commits the batch here).
  virtual void end_batch() {}
  // The run ended (the source ended, or it was stopped): close and flush everything, so that
  // every output is valid even after an interrupt.
  virtual void finish() {}
};

}  // namespace ds::pipeline
