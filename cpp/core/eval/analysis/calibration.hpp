#pragma once
// Confidence calibration as hotcoco 1.3's COCOeval.calibration() computes it: each detection
// COCO's matching keeps (area "all", maxDets[-1] per image and category, neither crowd-matched
// nor otherwise ignored) is right when matched at one IoU threshold; its score goes into one of
// n equal-width bins of [0, 1]. ECE is the bins' |accuracy - confidence| weighted by their share
// of the detections, MCE the largest gap; empty bins count for neither.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/eval/evaluator.hpp"

namespace ds::analysis {

struct CalibrationBin {
  double lower = 0, upper = 0;  // [lower, upper); the last bin holds every score >= its lower
  double avg_confidence = 0;    // 0 in an empty bin
  double avg_accuracy = 0;      // share of true positives; 0 in an empty bin
  std::size_t count = 0;
};

struct CategoryCalibration {
  std::int64_t category_id = -1;
  std::string name;
  double ece = 0;
  std::size_t detections = 0;
};

struct Calibration {
  double iou = 0.5;
  double ece = 0, mce = 0;  // both 0 without detections
  std::size_t detections = 0;
  std::vector<CalibrationBin> bins;
  std::vector<CategoryCalibration> categories;  // those with a counted detection, by id
};

// Throws ds::Error for n_bins 0 or an IoU outside (0, 1].
Calibration calibration(const Dataset& gt, std::span<const Detection> detections,
                        std::span<const std::int64_t> image_ids, const EvaluatorOptions& options);

struct AnalysisContext;
Metrics calibration_analysis(const AnalysisContext& context);

}  // namespace ds::analysis
