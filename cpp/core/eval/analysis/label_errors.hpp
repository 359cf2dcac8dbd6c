#pragma once
// Likely label errors, as hotcoco 1.3's COCOeval.image_diagnostics()["label_errors"] finds them
// (definitions read off its output: tests/test_label_errors.py compares every candidate): among
// the confident false positives of COCO's box matching (score >= the score threshold, matched at
// the IoU threshold, area all, 100 detections per image and class),
//   wrong_label: one that overlaps, at IoU 0.5 or more, a ground truth of another class that
//                its own class's matching missed at the IoU threshold (the one it overlaps
//                most): the annotation's class may be wrong;
//   missing_annotation: one that overlaps no ground truth of any class (crowd regions aside) at
//                IoU 0.1 or more (TIDE's background threshold): an object may be unannotated.
// Ranked by score (highest first), ties by detection id (its 1-based position in the results).
// hotcoco accepts only IoU thresholds of its iouThrs (0.5, 0.55, ..., 0.95); we accept any.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/eval/evaluator.hpp"

namespace ds::analysis {

struct LabelError {
  std::int64_t image_id = 0;
  std::int64_t dt_id = 0;  // 1-based position in the detections (pycocotools' loadRes id)
  double dt_score = 0;
  std::int64_t dt_category_id = 0;
  std::optional<std::int64_t> gt_id, gt_category_id;  // wrong_label: the ground truth it overlaps
  double iou = 0;                                      // wrong_label: their IoU; else 0
  bool wrong_label = false;                            // else missing_annotation
};

inline constexpr double kBackgroundIou = 0.1;
// A wrong label's overlap with the other class's object, whatever the matching threshold
// (TIDE's foreground threshold, as hotcoco).
inline constexpr double kForegroundIou = 0.5;
// hotcoco's default score threshold; a run's --score-threshold / score_threshold: replaces it.
inline constexpr double kLabelErrorScore = 0.5;

std::vector<LabelError> label_errors(const Dataset& gt, std::span<const Detection> detections,
                                     std::span<const std::int64_t> image_ids, double iou_threshold,
                                     double score_threshold);

struct AnalysisContext;
Metrics label_errors_analysis(const AnalysisContext& context);

}  // namespace ds::analysis
