#pragma once
// Is model B better than model A on this dataset, or is the AP difference noise? The paired
// bootstrap over images: resample the images with replacement, score both models on the same
// sample, and read the spread of the AP differences.
#include <cstdint>
#include <span>

#include "core/dataset/dataset.hpp"
#include "core/eval/analysis/image_boxes.hpp"

namespace ds::analysis {

struct ApDifference {
  double observed = 0;        // AP(b) - AP(a) on the images themselves (resampling's AP)
  double mean = 0;            // over the samples
  double ci_low = 0, ci_high = 0;  // the 2.5th and 97.5th percentiles
  std::size_t samples = 0;
};

// COCO AP (IoU 0.50:0.95, all areas, 100 detections per image) of each model on each sample of
// `image_ids`. Samples use `seed`, so a comparison is repeatable. Matching is the core's image
// matching at each IoU threshold (equal to pycocotools' but for ties of equal IoU).
ApDifference paired_bootstrap_ap(const Dataset& gt, std::span<const std::int64_t> image_ids,
                                 std::span<const Detection> a, std::span<const Detection> b,
                                 std::size_t samples = 1000, std::uint64_t seed = 0,
                                 const Overlap& overlap = {});
// The metrics.json key of the AP the bootstrap resamples (COCO's AP by box or by mask IoU), so
// a comparison can set the observed difference from the metric itself.
const char* bootstrapped_metric(const Overlap& overlap);

}  // namespace ds::analysis
