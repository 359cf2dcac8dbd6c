#pragma once
// A dataset's frames and a tracker's boxes as a RawSequence (what the preprocessing reads), and
// which preprocessing the dataset gets: a dataset with a "pedestrian" class is MOT Challenge
// ground truth (TrackEval's MotChallenge2DBox: pedestrians evaluated, the distractor classes'
// matches removed); any other is evaluated class-agnostic, every object of every class one
// population (TrackEval's MOT15 path: no distractors, only zero-marked lines left out).
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>

#include "core/dataset/dataset.hpp"
#include "core/eval/tracking/mot_preprocess.hpp"
#include "core/eval/tracking/sequence.hpp"

namespace ds::tracking {

struct TrackingClasses {
  bool mot = false;                    // MOT Challenge preprocessing (a pedestrian class exists)
  std::int64_t evaluated = -1;         // the pedestrian category id (mot only)
  std::unordered_map<std::int64_t, GtRole> roles;  // category id -> role
  Preprocessing preprocessing() const { return {mot}; }
  std::string describe() const;
};

TrackingClasses tracking_classes(const Dataset& gt);

// One box of a tracker's output, in MOT's 1-based pixels (bb_left = a detection's x + 1).
struct TrackerBox {
  std::int64_t image_id = 0;
  std::int64_t track_id = 0;
  TrackBox box;
};

// The frames are `image_ids` in that order (empty: every image of `gt`, in dataset order); boxes
// on other images are ignored. Ground truth: MOT's coordinates back (x + 1), crowd = zero-marked.
RawSequence raw_sequence(const Dataset& gt, std::span<const TrackerBox> boxes, const TrackingClasses& classes,
                         std::string name, std::span<const std::int64_t> image_ids = {});

}  // namespace ds::tracking
