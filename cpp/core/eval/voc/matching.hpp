#pragma once
// Pascal VOC's matching for one class: detections in descending score over all images, each
// taken by the ground truth it overlaps most (IoU > threshold), first come first served.
#include <cstdint>
#include <span>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds::voc {

enum class DtOutcome : std::uint8_t { kTruePositive, kFalsePositive, kIgnored };

// One class. `gts_of_image[i]` are image i's ground truths of the class; `dts` the class's
// detections with their image position, already in ranked order (descending score, stable).
struct ClassInput {
  std::span<const std::span<const Annotation* const>> gts_of_image;
  std::span<const Detection* const> dts;
  std::span<const std::uint32_t> dt_image;
};

// The devkit's rule, per detection: its best ground truth (highest IoU, first on ties) decides.
// IoU > threshold with a difficult (or crowd) one: ignored, neither TP nor FP. IoU > threshold
// with one not yet taken: TP, and it is taken. Otherwise: FP (a duplicate of a taken one too).
std::vector<DtOutcome> match_class(const ClassInput& input, double iou_threshold);

// IoU of two COCO boxes, continuous coordinates. For boxes converted from VOC's 1-based
// inclusive pixels (x = xmin - 1, w = xmax - xmin + 1) it equals the devkit's "+1" formula.
double box_iou(const Box& a, const Box& b);

}  // namespace ds::voc
