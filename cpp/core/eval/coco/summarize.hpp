#pragma once
// pycocotools' summarize(): the 12 standard numbers and the text table it prints, plus the
// per-category numbers people ask for next (AP/AR per class, PR curves).
#include <optional>
#include <string>
#include <vector>

#include "core/eval/coco/evaluate.hpp"

namespace ds::coco {

struct SummaryItem {
  std::string name;               // AP, AP50, ..., ARl
  bool is_ap = true;              // precision (AP) or recall (AR)
  std::optional<double> iou_thr;  // none: averaged over all thresholds
  std::string area;               // area range label
  int max_dets = 100;
  double value = -1;              // -1: no ground truth to measure against
};

// The 12 numbers in pycocotools' order (stats[0..11]); for keypoints its 10 (_summarizeKps).
std::vector<SummaryItem> summarize(const EvalResult& result);
std::vector<double> stats_of(const std::vector<SummaryItem>& items);

// The text pycocotools prints, one line per item.
std::string format_summary(const std::vector<SummaryItem>& items, const Params& params);

// Per category k (position in params.cat_ids), area "all" (index 0), largest maxDets.
struct CategoryScores {
  double ap = -1, ap50 = -1, ap75 = -1, ar = -1;
  double ap_small = -1, ap_medium = -1, ap_large = -1;
};
CategoryScores category_scores(const EvalResult& result, std::size_t k);

// Precision at each recall threshold for category k (area 0, largest maxDets) at IoU
// threshold t, or averaged over thresholds (t = nullopt; cells without data are skipped).
std::vector<double> pr_curve(const EvalResult& result, std::size_t k, std::optional<std::size_t> t);

}  // namespace ds::coco
