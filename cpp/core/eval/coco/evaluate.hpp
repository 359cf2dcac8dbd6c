#pragma once
// COCO bbox evaluation: pycocotools' COCOeval.evaluate() + accumulate(), bit for bit.
#include <span>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/eval/coco/accumulate.hpp"
#include "core/eval/coco/params.hpp"

namespace ds::coco {

struct EvalResult {
  Params params;  // as evaluated: image and category ids sorted and unique, maxDets sorted
  EvalArrays arrays;
};

// Every detection's image must be one of the ground truth's images (pycocotools' loadRes
// asserts the same); throws ds::Error naming the first one that is not. `source` names the
// results file in the message.
void check_result_images(const Dataset& gt, std::span<const Detection> dts,
                         const std::string& source);

// `threads` <= 0: one per core.
EvalResult evaluate(const Dataset& gt, std::span<const Detection> dts, const Params& params,
                    int threads = 0);

}  // namespace ds::coco
