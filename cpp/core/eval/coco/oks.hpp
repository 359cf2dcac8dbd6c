#pragma once
// Object keypoint similarity exactly as pycocotools' COCOeval.computeOks computes it (same
// float64 operations, same order, NumPy's pairwise sum).
#include <span>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds::coco {

// (2 * sigma)^2 for each keypoint: pycocotools' `vars`.
std::vector<double> oks_vars(std::span<const double> sigmas);

// out[d * gts.size() + g] = OKS of detection d and ground truth g. Every detection has
// 3 * vars.size() keypoint values; a ground truth has as many or none (then it counts as a
// person without labelled keypoints). `scratch` is reused between calls.
void keypoint_oks(std::span<const Detection* const> dts, std::span<const Annotation* const> gts,
                  std::span<const double> vars, std::span<double> out, std::vector<double>& scratch);

}  // namespace ds::coco
