#pragma once
// A multi-object tracker: one frame's detections in, the track each one belongs to out. Trackers
// are core code (no OpenCV): the pipeline's tracking transform, `track` and the tests drive the
// same objects. One file per tracker, one line in registry.cpp.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ds::trackers {

// A detection as a model gives it: corners in pixels (float, as RawDetection holds them), its
// score and class. The trackers here are class-agnostic, as sv.ByteTrack and SORT are.
struct TrackerBox {
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  float score = 0;
  std::int64_t label = 0;
};

class Tracker {
 public:
  virtual ~Tracker() = default;
  virtual std::string_view name() const = 0;
  // The next frame's detections (frames in order, an empty span for a frame without any):
  // the id of the track each detection was given, -1 for those no track took. Ids start at 1.
  virtual std::vector<std::int64_t> update(std::span<const TrackerBox> detections) = 0;
  // Forgets every track (a new video).
  virtual void reset() = 0;
};

}  // namespace ds::trackers
