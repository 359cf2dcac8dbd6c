#pragma once
// COCO's numbers over slices of the images (score --slices): each slice's evaluation is the
// whole run's matching re-accumulated over the slice's images alone, which is what pycocotools
// computes with params.imgIds set to the slice (matching is per image, so nothing is matched or
// IoU'd again).
#include <span>
#include <string>

#include "core/eval/coco/evaluate.hpp"
#include "core/eval/evaluator.hpp"
#include "core/eval/slices/slice_rules.hpp"

namespace ds::coco {

// `all` must come from evaluate(..., keep_matches = true). The slice's images outside
// all.params.img_ids (a run that scored part of the dataset) are left out. `matches`: the
// matching to accumulate (a slice of the objects: one of all.object_matches), else all.matches.
EvalResult evaluate_slice(const EvalResult& all, std::span<const std::int64_t> slice_image_ids,
                          const std::vector<CategoryMatches>* matches = nullptr);

// What the slices are called where they are shown (the whole evaluation's section names).
struct SliceNames {
  std::string section_id, title, short_label, key_prefix;
};

// metrics.json's `<prefix>slices` {name: {images, coco_stats, AP..., per_class}}, its section and
// a text table. With repeated annotation ids, pycocotools' ground truth depends on which images
// are evaluated (duplicate_id_order), so each slice is then evaluated afresh instead.
// `bootstrap_samples` > 0: each slice also gets `<AP>_ci` {low, high, samples}, the percentile
// bootstrap interval of its first number over its images (slice_bootstrap; none afresh).
Metrics slice_metrics(const EvalResult& all, const Dataset& gt, std::span<const Detection> dts,
                      std::span<const slices::ImageSlice> slices, const SliceNames& names, int threads,
                      std::size_t bootstrap_samples = 0);

}  // namespace ds::coco
