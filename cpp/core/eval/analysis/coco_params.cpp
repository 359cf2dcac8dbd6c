#include "core/eval/analysis/coco_params.hpp"

#include "core/eval/coco/keypoint_sigmas.hpp"

namespace ds::analysis {

coco::Params coco_params(const Dataset& gt, const EvaluatorOptions& options, std::span<const std::int64_t> image_ids) {
  coco::Params p;
  switch (options.analysis_matching) {
    case Matching::kBox: p = coco::Params::defaults(coco::IouType::kBbox); break;
    case Matching::kMask: p = coco::Params::defaults(coco::IouType::kSegm); break;
    case Matching::kBoundary:
      p = coco::Params::defaults(coco::IouType::kBoundary);
      p.boundary_dilation_ratio = options.boundary_dilation_ratio;
      break;
    case Matching::kKeypoints: p = coco::keypoint_params(gt, options.keypoint_sigmas); break;
  }
  p.img_ids.emplace(image_ids.begin(), image_ids.end());
  return p;
}

std::size_t all_area_index(const coco::Params& params) {
  for (std::size_t a = 0; a < params.area_lbl.size() && a < params.area_rng.size(); ++a)
    if (params.area_lbl[a] == "all") return a;
  return 0;
}

}  // namespace ds::analysis
