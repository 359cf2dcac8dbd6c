#pragma once
// The Open Images challenge detection metric (--metric openimages), as the TF Object Detection
// API's oid_challenge_evaluation.py computes it on ground truth expanded by
// oid_hierarchical_labels_expansion.py (docs/metrics.md):
// - ground-truth boxes and verified-present image-level labels count for every ancestor of
//   their class, verified-absent labels for every descendant (the root is no class);
// - on each image only the verified classes (boxed or image-labelled) are evaluated:
//   detections of other classes are ignored; zero-size detections are removed;
// - matching per image and class as match_image_class (matching.hpp);
// - AP per class as compute_average_precision (all-point, precision made monotone) over the
//   records of every image, images in ImageID order; mAP: the mean over classes with ground truth.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds::openimages {

struct Params {
  std::optional<std::vector<std::int64_t>> img_ids;  // unset: every image of the ground truth
  int threads = 0;                                   // 0: one per core
};

struct ClassResult {
  std::int64_t category_id = 0;
  std::string label_name;  // Open Images' LabelName (the class name for other formats)
  std::string name;        // the display name
  double gt = 0;           // ground-truth boxes after expansion (a group-of box counts 1)
  std::size_t detections = 0;      // records scored: detections evaluated, group-of hits once
  std::size_t true_positives = 0;
  double ap = -1;  // -1: no ground truth, not in the mAP
};

struct Result {
  std::vector<ClassResult> classes;  // the ground truth's categories, by id
  double map = -1;                   // -1 when no class has ground truth
};

Result evaluate(const Dataset& gt, std::span<const Detection> dts, const Params& params);

}  // namespace ds::openimages
