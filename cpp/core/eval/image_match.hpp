#pragma once
// Which detections on one image are right, which are wrong, and which ground truth was missed,
// at one IoU threshold and one score threshold: what the viewer colours and counts.
// Matching is COCO's, simplified to one image and one threshold: detections by descending score
// each take the unmatched ground truth of their class with the highest IoU (at least the
// threshold); a crowd region absorbs detections inside it without counting as missed.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds {

enum class DetectionOutcome : std::uint8_t {
  kTruePositive,
  kFalsePositive,
  kCrowd,           // lies in a crowd region of its class: neither right nor wrong
  kBelowThreshold,  // score under the threshold: not considered
};

enum class TruthOutcome : std::uint8_t {
  kMatched,
  kMissed,
  kCrowd,  // a crowd region: never missed
};

struct ImageMatch {
  std::vector<DetectionOutcome> detections;  // one per input detection, in input order
  std::vector<std::ptrdiff_t> matched_truth;  // per detection: index of its ground truth, or -1
  std::vector<TruthOutcome> truth;            // one per input annotation, in input order
  std::size_t true_positives = 0;
  std::size_t false_positives = 0;
  std::size_t missed = 0;  // false negatives

  bool has_errors() const { return false_positives > 0 || missed > 0; }
};

struct MatchOptions {
  double iou_threshold = 0.5;
  double score_threshold = 0.0;  // detections scoring below it are left out
  // Set: IoU of masks (segm) on an image of this size, pycocotools' rleIou; a record without a
  // mask stands for its box's polygon, as loadRes makes it. Unset: IoU of boxes.
  struct MaskImage {
    std::uint32_t height = 0, width = 0;
    // > 0: boundary IoU (faster-coco-eval's): the lower of the masks' IoU and their
    // boundaries' IoU at this dilation ratio; against a crowd region the mask IoU alone.
    double boundary_dilation_ratio = 0;
  };
  std::optional<MaskImage> masks;
  // Set: object keypoint similarity (pycocotools' computeOks) instead of IoU, with these OKS
  // `vars` ((2 sigma)^2) per category id; a pair whose keypoints do not fit the detection's
  // category (or a category without vars) has 0.
  const std::unordered_map<std::int64_t, std::vector<double>>* oks_vars = nullptr;
};

// `truth` and `detections` belong to the same image. Category ids are compared as they are.
ImageMatch match_image(std::span<const Annotation> truth, std::span<const Detection> detections,
                       const MatchOptions& options = {});
// The same with the IoUs given: ious[d * truth.size() + g], detections in input order (the
// analyses compute them once per image and match at several thresholds).
ImageMatch match_image(std::span<const Annotation> truth, std::span<const Detection> detections,
                       const MatchOptions& options, std::span<const double> ious);

// The metric's own IoU of each pair (out[d * gts.size() + g]): of boxes, or of masks when
// options.masks is set (crowd regions divide by the detection's area).
void pair_ious(std::span<const Detection* const> dts, std::span<const Annotation* const> gts,
               const MatchOptions& options, std::span<double> out);

}  // namespace ds
