#pragma once
// SORT (Bewley et al., ICIP 2016) as abewley/sort's sort.py: a constant-velocity Kalman filter on
// the box's centre, area and aspect ratio (filterpy's KalmanFilter, its Joseph-form update), each
// frame's detections matched to the predicted boxes by the Hungarian algorithm on -IoU (or
// directly when the IoU > threshold pairs are already one-to-one), matches below iou_threshold
// undone; a track is output while it was updated this frame and has min_hits consecutive hits (or
// in the first min_hits frames), and dropped after max_age frames without one.
#include <cstdint>
#include <vector>

#include "core/trackers/tracker.hpp"

namespace ds {
class ConfigNode;
}

namespace ds::trackers {

struct SortParams {
  std::int64_t max_age = 1;
  std::int64_t min_hits = 3;
  double iou_threshold = 0.3;

  static SortParams from_config(const ConfigNode& config);
};

class Sort final : public Tracker {
 public:
  explicit Sort(SortParams params) : params_(params) {}
  std::string_view name() const override { return "sort"; }
  std::vector<std::int64_t> update(std::span<const TrackerBox> detections) override;
  void reset() override;

  struct Track {
    double x[7] = {};   // cx, cy, area, aspect ratio, and the first three's velocities
    double P[49] = {};  // row-major
    std::int64_t id = 0;
    std::int64_t time_since_update = 0, hits = 0, hit_streak = 0, age = 0;
  };

 private:
  SortParams params_;
  std::vector<Track> tracks_;
  std::int64_t frame_count_ = 0;
  std::int64_t next_id_ = 0;
};

}  // namespace ds::trackers
