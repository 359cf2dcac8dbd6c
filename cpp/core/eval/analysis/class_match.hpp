#pragma once
// One IoU threshold, one category at a time, COCO's rules: each detection, by descending score,
// takes the unmatched ground truth of its class with the highest IoU >= the threshold; one that
// only covers a crowd region of its class is ignored (neither true nor false).
#include <cstdint>
#include <vector>

#include "core/eval/analysis/image_boxes.hpp"

namespace ds::analysis {

enum class Outcome : std::uint8_t { kFalsePositive, kTruePositive, kIgnored };

struct ImageMatch {
  std::vector<Outcome> dts;       // per detection of the image
  std::vector<std::int32_t> gt_of;  // per detection: the ground truth it matched, -1 none
  std::vector<bool> gt_matched;   // per ground truth
};

ImageMatch match_by_class(const ImageBoxes& image, double iou_threshold);

}  // namespace ds::analysis
