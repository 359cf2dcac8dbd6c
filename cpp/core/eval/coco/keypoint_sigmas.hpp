#pragma once
// The params of a keypoints run: pycocotools' setKpParams, with sigmas per category by name
// (a run config's `sigmas:`) resolved against the ground truth and checked before scoring.
#include <span>

#include "core/dataset/dataset.hpp"
#include "core/eval/coco/params.hpp"
#include "core/eval/evaluator.hpp"

namespace ds::coco {

// Throws ds::Error naming the entry (its `where`) for an unknown category or a sigma count
// that is not the category's keypoint count, and naming the category for one with keypoints,
// no sigmas of its own and a count other than COCO's 17 (whose sigmas are the default).
Params keypoint_params(const Dataset& gt, std::span<const CategorySigmas> by_name);

}  // namespace ds::coco
