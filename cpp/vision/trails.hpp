#pragma once
// Short trails behind tracked boxes: each track's recent box centres, fed one frame at a time in
// frame order. What annotated videos (detect --track --save-video), `render` and `view` draw
// behind the boxes of a sequence with track ids (ground truth's and a tracker's).
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "vision/draw.hpp"

namespace ds::vision {

class TrailHistory {
 public:
  // `length`: the centres kept per track, and the frames a track not seen since is remembered.
  // `truth`: the trails are ground truth's (drawn in truth's style).
  explicit TrailHistory(std::size_t length = kDefaultLength, bool truth = false) : length_(length), truth_(truth) {}
  static constexpr std::size_t kDefaultLength = 30;

  // The next frame's records (boxes in the pixels drawn); those with a track_id < 0 are passed over.
  void add(std::span<const Detection> frame);
  void add(std::span<const Annotation> frame);
  // The trails as of the last frame added (each with at least one point), by track id.
  std::vector<Trail> trails() const;
  void clear() { tracks_.clear(); }

 private:
  template <class Record>
  void add_frame(std::span<const Record> frame);

  struct Track {
    std::vector<cv::Point2d> points;  // oldest first
    std::size_t last_seen = 0;
  };
  std::size_t length_;
  bool truth_;
  std::size_t frames_ = 0;
  std::map<std::int64_t, Track> tracks_;
};

}  // namespace ds::vision
