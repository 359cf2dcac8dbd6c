#pragma once
// A tracking sequence in the two shapes TrackEval has: as read (every box of every frame, ground
// truth with its class and zero mark, tracker boxes with their ids) and as the metrics see it after
// the dataset's preprocessing (ids relabelled 0..n-1, similarity matrices per frame). The metrics
// (hota, clear, identity) only ever see the second; the preprocessing (mot_preprocess) makes it.
#include <cstdint>
#include <string>
#include <vector>

namespace ds::tracking {

// A box as MOT files give it: bb_left, bb_top, width, height (TrackEval's 'xywh').
struct TrackBox {
  double x = 0, y = 0, w = 0, h = 0;
};

// What a ground-truth box is to the preprocessing.
enum class GtRole : std::uint8_t {
  kEvaluated,   // of the class being evaluated (MOT: pedestrian)
  kDistractor,  // a tracker box matched to it is removed (MOT: person on vehicle, static person, ...)
  kOther,       // neither: only removed from the ground truth
};

struct RawFrame {
  std::vector<std::int64_t> gt_ids;
  std::vector<TrackBox> gt_boxes;
  std::vector<GtRole> gt_roles;
  std::vector<char> gt_zero_marked;  // conf 0 in gt.txt: not considered
  std::vector<std::int64_t> tracker_ids;
  std::vector<TrackBox> tracker_boxes;
};

struct RawSequence {
  std::string name;
  std::string source;  // the ground truth's file, for messages (empty: the name)
  std::vector<RawFrame> frames;  // frame t is timestep t (MOT frame t + 1)
};

// TrackEval's preprocessed `data` of one sequence and class.
struct SequenceData {
  std::string name;
  std::size_t num_gt_ids = 0, num_tracker_ids = 0, num_gt_dets = 0, num_tracker_dets = 0;
  struct Frame {
    std::vector<std::int32_t> gt_ids, tracker_ids;  // 0..num_*_ids - 1
    std::vector<double> similarity;                 // gt x tracker, row-major (box IoU)
  };
  std::vector<Frame> frames;
  // The ids as the files give them, by relabelled id (for the report's tables).
  std::vector<std::int64_t> gt_original_ids, tracker_original_ids;
};

}  // namespace ds::tracking
