#pragma once
// Pascal VOC detection AP per class and mAP: IoU > 0.5, difficult ground truth neither counted
// nor penalised, 11-point (VOC2007) or all-point (VOC2010+) interpolation.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/eval/voc/average_precision.hpp"

namespace ds::voc {

struct Params {
  Interpolation interpolation = Interpolation::kAllPoint;
  double iou_threshold = 0.5;
  std::optional<std::vector<std::int64_t>> img_ids;  // unset: every image of the ground truth
};

struct ClassResult {
  std::int64_t category_id = 0;
  std::string name;
  std::size_t gt = 0;          // ground truths that count (not difficult, not crowd)
  std::size_t detections = 0;  // on the evaluated images
  std::size_t true_positives = 0;
  double ap = -1;  // -1: no ground truth that counts, left out of the mAP
};

struct Result {
  Params params;
  std::vector<ClassResult> classes;  // the ground truth's categories, by id
  double map = -1;                   // mean AP over classes with ground truth; -1 if none
};

Result evaluate(const Dataset& gt, std::span<const Detection> dts, const Params& params);

}  // namespace ds::voc
