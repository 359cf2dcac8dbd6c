#pragma once
// The COCO evaluation the calibration and f_scores analyses redo: pycocotools' Params for what
// the analyses match by (the run's first metric: boxes, masks, boundaries or keypoints), over
// the images the run scored.
#include <span>

#include "core/dataset/dataset.hpp"
#include "core/eval/coco/params.hpp"
#include "core/eval/evaluator.hpp"

namespace ds::analysis {

coco::Params coco_params(const Dataset& gt, const EvaluatorOptions& options, std::span<const std::int64_t> image_ids);

// The position of the area range labelled "all" (hotcoco's area_range_idx("all")), else 0.
std::size_t all_area_index(const coco::Params& params);

}  // namespace ds::analysis
