#pragma once
// The detection confusion matrix: (K+1) x (K+1), rows the ground-truth class, columns the
// predicted class, the last of each the background. Detections with score >= the cut, by
// descending score, each take one unmatched ground truth with IoU >= the threshold: of their own
// class if there is one (the highest IoU), else of any class (the highest IoU).
#include <string>
#include <vector>

#include "core/eval/analysis/image_boxes.hpp"
#include "core/eval/evaluator.hpp"

namespace ds::analysis {

struct Confusion {
  double iou = 0.5, score_threshold = 0;
  std::vector<std::int64_t> category_ids;  // the dataset's, by id
  std::vector<std::string> labels;         // their names, then "background"
  // counts[gt][predicted]; counts[K][k]: detections of class k matching no ground truth;
  // counts[k][K]: ground truth of class k no detection matched.
  std::vector<std::vector<std::int64_t>> counts;
};

Confusion confusion_matrix(const Dataset& gt, const std::vector<ImageBoxes>& images, double iou,
                           double score_threshold);

struct AnalysisContext;
Metrics confusion_analysis(const AnalysisContext& context);

}  // namespace ds::analysis
