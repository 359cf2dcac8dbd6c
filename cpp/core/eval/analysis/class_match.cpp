#include "core/eval/analysis/class_match.hpp"

#include <algorithm>

namespace ds::analysis {

ImageMatch match_by_class(const ImageBoxes& image, double iou_threshold) {
  const std::size_t n_dt = image.dts.size(), n_gt = image.gts.size();
  ImageMatch m{std::vector<Outcome>(n_dt, Outcome::kFalsePositive), std::vector<std::int32_t>(n_dt, -1),
               std::vector<bool>(n_gt, false)};
  // pycocotools caps the threshold just below 1 so that a perfect box still matches at 1.0.
  const double floor = std::min(iou_threshold, 1 - 1e-10);
  for (std::size_t d = 0; d < n_dt; ++d) {
    const std::int64_t cls = image.dts[d]->category_id;
    double best = floor;
    std::int32_t match = -1;
    for (std::size_t g = 0; g < n_gt; ++g) {
      const Annotation& a = *image.gts[g];
      if (a.iscrowd || a.category_id != cls || m.gt_matched[g]) continue;
      if (const double v = image.iou(d, g); v >= best) {  // a later tie wins, as in pycocotools
        best = v;
        match = static_cast<std::int32_t>(g);
      }
    }
    if (match >= 0) {
      m.dts[d] = Outcome::kTruePositive;
      m.gt_of[d] = match;
      m.gt_matched[static_cast<std::size_t>(match)] = true;
      continue;
    }
    for (std::size_t g = 0; g < n_gt; ++g) {
      const Annotation& a = *image.gts[g];
      if (a.iscrowd && a.category_id == cls && image.iou(d, g) >= floor) {
        m.dts[d] = Outcome::kIgnored;
        break;
      }
    }
  }
  return m;
}

}  // namespace ds::analysis
