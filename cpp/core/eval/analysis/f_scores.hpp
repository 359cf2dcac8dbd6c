#pragma once
// F-beta scores as hotcoco 1.3's COCOeval.f_scores() computes them from COCO's accumulated
// precision (area "all", the last maxDets): for each IoU threshold and category with ground
// truth, the highest F-beta over the 101 recall thresholds r of (1 + b^2) p r / (b^2 p + r), p
// the interpolated precision at r; then the mean over categories and thresholds (F), at 0.50
// (F_50) and at 0.75 (F_75). Named as hotcoco names them: F1, F1_50, F1_75 for beta 1, F2...,
// except that metrics.json's keys spell a dot as '_' (F0_5_50 for hotcoco's F0.5_50).
#include <span>
#include <string>

#include "core/eval/evaluator.hpp"

namespace ds::analysis {

struct FScores {
  double beta = 1;
  std::string name;  // "F1", "F0.5", "F2": beta as the shortest decimal that reads back as it
  // name in metrics.json, where dots separate levels of a path: "F0_5" for "F0.5"
  std::string key;
  double all = -1, at50 = -1, at75 = -1;  // -1 where no category has ground truth
};

// Throws ds::Error for a beta that is not a positive finite number.
FScores f_scores(const Dataset& gt, std::span<const Detection> detections, std::span<const std::int64_t> image_ids,
                 const EvaluatorOptions& options);

struct AnalysisContext;
Metrics f_scores_analysis(const AnalysisContext& context);

}  // namespace ds::analysis
