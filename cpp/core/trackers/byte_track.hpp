#pragma once
// ByteTrack (Zhang et al., ECCV 2022) as its authors' yolox/tracker/byte_tracker.py and as
// supervision 0.27's sv.ByteTrack ports it (that port is the test oracle, and its quirks are kept:
// docs/tracking.md names each). Two associations per frame: tracked and lost tracks (Kalman
// predicted) against the high-score detections by IoU fused with the score, then the tracks left
// against the low-score ones; unconfirmed tracks against the high-score detections left; new
// tracks from what is left above the activation threshold + 0.1; lost tracks dropped after
// lost_track_buffer frames (at 30 fps).
#include <cstdint>
#include <memory>
#include <vector>

#include "core/trackers/kalman_filter.hpp"
#include "core/trackers/tracker.hpp"

namespace ds {
class ConfigNode;
}

namespace ds::trackers {

// Named as sv.ByteTrack's arguments, with its defaults.
struct ByteTrackParams {
  double track_activation_threshold = 0.25;
  std::int64_t lost_track_buffer = 30;
  double minimum_matching_threshold = 0.8;
  std::int64_t frame_rate = 30;
  std::int64_t minimum_consecutive_frames = 1;

  // A tracker config's keys (unknown ones fail with the closest known name).
  static ByteTrackParams from_config(const ConfigNode& config);
};

class ByteTrack final : public Tracker {
 public:
  explicit ByteTrack(ByteTrackParams params);
  ~ByteTrack() override;
  std::string_view name() const override { return "bytetrack"; }
  std::vector<std::int64_t> update(std::span<const TrackerBox> detections) override;
  void reset() override;

  struct Track;  // STrack

 private:
  using TrackPtr = std::shared_ptr<Track>;
  // update_with_tensors: the tracks output on this frame.
  std::vector<TrackPtr> step(std::span<const TrackerBox> detections);
  TrackPtr new_detection(const TrackerBox& d) const;

  ByteTrackParams params_;
  float det_thresh_;
  std::int64_t max_time_lost_;
  std::int64_t frame_id_ = 0;
  std::int64_t next_internal_id_ = 0;
  std::int64_t next_external_id_ = 1;
  std::vector<TrackPtr> tracked_, lost_, removed_;
};

}  // namespace ds::trackers
