#pragma once
// Precision, recall and F1 against the score threshold, per class and over all classes, from
// the raw (not interpolated) curve, and the threshold with the best F1: where to cut.
#include <optional>
#include <string>
#include <vector>

#include "core/eval/analysis/image_boxes.hpp"
#include "core/eval/evaluator.hpp"

namespace ds::analysis {

struct OperatingPoint {
  double score = 0;  // keep detections with score >= this
  double precision = 0, recall = 0, f1 = 0;
};

struct ThresholdCurve {
  std::int64_t category_id = -1;  // -1: all classes
  std::string name;
  std::size_t gt = 0, detections = 0;
  std::optional<OperatingPoint> best;  // none without ground truth or detections
  // At each score of score_grid(): detections with score >= it. None where undefined.
  std::vector<std::optional<double>> precision, recall, f1;
};

struct Thresholds {
  double iou = 0.5;
  ThresholdCurve overall;
  std::vector<ThresholdCurve> classes;  // the dataset's categories by id
};

// 0.00, 0.01, ..., 1.00
std::vector<double> score_grid();

Thresholds score_thresholds(const Dataset& gt, const std::vector<ImageBoxes>& images, double iou);
// The same from the images' matching at `iou` (match_images), and their detections' order
// (detections_by_score).
Thresholds score_thresholds(const Dataset& gt, const std::vector<ImageBoxes>& images,
                            std::span<const ImageMatch> matches, double iou);
Thresholds score_thresholds(const Dataset& gt, const std::vector<ImageBoxes>& images,
                            std::span<const ImageMatch> matches, std::span<const std::uint32_t> by_score,
                            double iou);
// The overall best-F1 score, 0 when there is none: the default cut of the other analyses.
double best_f1_score(const Thresholds& thresholds);

struct AnalysisContext;
Metrics thresholds_analysis(const AnalysisContext& context);

}  // namespace ds::analysis
