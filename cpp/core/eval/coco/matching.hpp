#pragma once
// Greedy matching of one image's detections to its ground truth, for one area range:
// pycocotools' evaluateImg, rule for rule.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds::coco {

enum class DtStatus : std::uint8_t { kFalsePositive = 0, kTruePositive = 1, kIgnored = 2 };

// One image and one category (or all categories when use_cats is off).
struct ImageGroup {
  std::span<const Annotation* const> gts;  // in file order
  std::span<const Detection* const> dts;   // by descending score (stable), at most maxDets[-1]
  std::span<const double> ious;            // dts.size() x gts.size(), gts in file order
  // The detections' areas for the area ranges (segm: the mask's or the box's, as loadRes
  // chose); empty: each box's w * h.
  std::span<const double> dt_areas;
  // keypoints: a ground truth with no labelled keypoint (num_keypoints 0) is ignored like a
  // crowd region (pycocotools' _prepare), yet still matched only once.
  bool ignore_unlabelled = false;
  // LVIS (lvis-api's evaluate_img): crowd regions are objects like any other (counted, matched
  // once), and when the category is not exhaustively annotated on the image an unmatched
  // detection is ignored rather than a false positive (its object may just be unlabelled).
  bool crowd_as_object = false;
  bool not_exhaustive = false;
  // A slice on the objects (score --slices, `objects:` rules): set entries mark the ground truth
  // and detections outside it, treated as COCO treats those outside the area range (ground truth
  // ignored; a detection ignored unless it matched). Empty: no such slice.
  std::span<const std::uint8_t> gt_outside, dt_outside;
};

struct MatchScratch {
  std::vector<std::uint32_t> gt_order;
  std::vector<std::uint8_t> gt_ignore;
  std::vector<std::uint8_t> gt_matched;
};

// Writes status[d * stride + t] for every detection d and IoU threshold t and returns how many
// ground truths count (are neither crowd nor outside the area range).
std::size_t match_image(const ImageGroup& group, std::array<double, 2> area_rng,
                        std::span<const double> iou_thrs, std::span<DtStatus> status,
                        std::size_t stride, MatchScratch& scratch);

}  // namespace ds::coco
