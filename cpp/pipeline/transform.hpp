#pragma once
// What happens to a model's detections between the model and the sinks, one frame at a time in
// frame order: boxes of a reduced decode scaled back, tracking, the score filter (run.cpp applies
// rescale, then the run's own transforms, then the filter, so a tracker sees the model's
// low-score detections that --score-threshold keeps from the sinks). A transform may keep state
// from frame to frame (a tracker does); it sees every frame the model saw.
#include <string_view>
#include <vector>

#include "pipeline/frame.hpp"

namespace ds::pipeline {

class Transform {
 public:
  virtual ~Transform() = default;
  // Names the stage in the timings ("tracking", ...).
  virtual std::string_view stage() const = 0;
  virtual void apply(const Frame& frame, std::vector<host::RawDetection>& detections) = 0;
  // The run ended (as Sink::finish: also after an interrupt or an error).
  virtual void finish() {}
};

}  // namespace ds::pipeline
