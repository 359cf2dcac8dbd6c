#pragma once
// LVIS' federated evaluation, as lvis-api 0.5.3's LVISResults + LVISEval compute it: the COCO
// phases (core/eval/coco: IoU, matching, accumulate) under Params::federated, with LVIS'
// results cap and its own summary (APr / APc / APf, AR@300).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/eval/coco/evaluate.hpp"

namespace ds::lvis {

// lvis-api's Params: COCO's IoU and recall thresholds and area ranges, 300 detections per image
// (one maxDets), federated.
coco::Params params(coco::IouType type);

// LVISResults.limit_dets_per_image: an image with more than `max_dets` results keeps the
// `max_dets` highest scores (a stable sort: the earlier of equal scores first), counted over all
// of its results, whatever their category. Empty when no image has more (use the input as is);
// otherwise the kept detections, in input order.
std::optional<std::vector<Detection>> limit_per_image(std::span<const Detection> dts, std::size_t max_dets);

struct Result {
  coco::EvalResult eval;             // M = 1 (maxDets 300)
  std::vector<char> frequency;       // [k]: 'r', 'c' or 'f' of params.cat_ids[k]
  // [k]: ground truth on the evaluated images, and the detections evaluated (after the cap per
  // image, on images where the category is present or verified absent).
  std::vector<std::size_t> gt_count, dt_count;
};

// `img_ids`: the images evaluated (unset: every image of gt). Throws ds::Error naming the file
// and the record for an image without LVIS' lists or a category without a frequency.
Result evaluate(const Dataset& gt, std::span<const Detection> dts, coco::IouType type,
                const std::optional<std::vector<std::int64_t>>& img_ids, int threads);

// LVISEval.summarize(): its 13 numbers in its order, under its own key names.
struct Summary {
  std::string key;    // AP, AP50, AP75, APs, APm, APl, APr, APc, APf, AR@300, ARs@300, ...
  std::string meaning;
  double value = -1;  // -1: nothing to average (lvis-api's marker)
};
std::vector<Summary> summarize(const Result& r);

// The text LVISEval.print_results() prints.
std::string format_summary(const std::vector<Summary>& items, const coco::Params& params);

}  // namespace ds::lvis
