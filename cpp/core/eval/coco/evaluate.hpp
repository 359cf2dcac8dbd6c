#pragma once
// COCO bbox evaluation: pycocotools' COCOeval.evaluate() + accumulate(), bit for bit.
#include <span>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/eval/coco/accumulate.hpp"
#include "core/eval/coco/params.hpp"

namespace ds::coco {

struct EvalResult {
  // As evaluated: img_ids and cat_ids set, image ids sorted and unique, category ids too when
  // use_cats is on, maxDets sorted.
  Params params;
  EvalArrays arrays;
  // Each category's matching (pycocotools' evalImgs for it), by position in params.cat_ids;
  // only when evaluate() is asked to keep them.
  std::vector<CategoryMatches> matches;
  // [s][k]: the matching under params.object_slices[s] (its ground truth and unmatched
  // detections outside it ignored), from the same IoUs; only with keep_matches.
  std::vector<std::vector<CategoryMatches>> object_matches;
};

// pycocotools indexes annotations by id, so when ids repeat it evaluates the last annotation with
// an id in place of each one with that id. evaluate() reproduces that; front ends warn with this.
bool has_duplicate_annotation_ids(const Dataset& gt);

// `threads` <= 0: one per core. Throws ds::Error for unusable params.
EvalResult evaluate(const Dataset& gt, std::span<const Detection> dts, const Params& params,
                    int threads = 0, bool keep_matches = false);

}  // namespace ds::coco
