#pragma once
// How sure is a slice's AP? The percentile bootstrap over the slice's images: resample its images
// with replacement (an image drawn twice counts twice: its detections and ground truth are
// repeated), re-accumulate the run's own matching over each sample (nothing is matched or IoU'd
// again), and read the 2.5th and 97.5th percentiles of the samples' first COCO number (AP).
#include <cstdint>
#include <optional>
#include <span>

#include "core/eval/coco/evaluate.hpp"

namespace ds::coco {

struct BootstrapInterval {
  double low = -1, high = -1;  // numpy.percentile's (linear) 2.5th and 97.5th of the samples' AP
  std::size_t samples = 0;     // samples whose AP is defined (some ground truth drawn)
};

// `all` must come from evaluate(..., keep_matches = true). Samples are drawn by a
// std::mt19937_64 seeded with `seed` (repeatable); each draws as many images as the slice holds
// of the scored ones. None when the slice holds no scored image or no sample defines AP.
// `matches`: the matching to resample (a slice of the objects: one of all.object_matches), else
// all.matches.
std::optional<BootstrapInterval> bootstrap_slice_ap(const EvalResult& all, std::span<const std::int64_t> slice_image_ids,
                                                    std::size_t samples, std::uint64_t seed = 0,
                                                    const std::vector<CategoryMatches>* matches = nullptr);

}  // namespace ds::coco
