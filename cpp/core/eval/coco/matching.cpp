#include "core/eval/coco/matching.hpp"

#include <algorithm>

namespace ds::coco {

std::size_t match_image(const ImageGroup& group, std::array<double, 2> area_rng,
                        std::span<const double> iou_thrs, std::span<DtStatus> status,
                        std::size_t stride, MatchScratch& s) {
  const std::size_t n_gt = group.gts.size();
  const std::size_t n_dt = group.dts.size();
  const auto outside = [&](double area) { return area < area_rng[0] || area > area_rng[1]; };

  // Ground truth that is crowd (pycocotools' `ignore` is overwritten by `iscrowd`), without
  // labelled keypoints (keypoints only), or outside the area range is ignored, and sorted last
  // (stable).
  s.gt_ignore.resize(n_gt);
  s.gt_order.clear();
  std::size_t counted = 0;
  for (std::size_t g = 0; g < n_gt; ++g) {
    const Annotation& gt = *group.gts[g];
    s.gt_ignore[g] = (gt.iscrowd && !group.crowd_as_object) || (group.ignore_unlabelled && gt.num_keypoints == 0) || outside(gt.area) ||
                     (!group.gt_outside.empty() && group.gt_outside[g]);
    if (!s.gt_ignore[g]) {
      s.gt_order.push_back(static_cast<std::uint32_t>(g));
      ++counted;
    }
  }
  for (std::size_t g = 0; g < n_gt; ++g)
    if (s.gt_ignore[g]) s.gt_order.push_back(static_cast<std::uint32_t>(g));

  for (std::size_t t = 0; t < iou_thrs.size(); ++t) {
    s.gt_matched.assign(n_gt, 0);
    for (std::size_t d = 0; d < n_dt; ++d) {
      const double* ious = group.ious.data() + d * n_gt;
      double best = std::min(iou_thrs[t], 1 - 1e-10);
      std::int64_t m = -1;
      for (const std::uint32_t g : s.gt_order) {
        // A ground truth already matched is skipped, unless it is a crowd region.
        if (s.gt_matched[g] && !(group.gts[g]->iscrowd && !group.crowd_as_object)) continue;
        // Matched to a counted ground truth already; the rest are ignored ones: stop.
        if (m > -1 && !s.gt_ignore[static_cast<std::size_t>(m)] && s.gt_ignore[g]) break;
        if (ious[g] < best) continue;
        best = ious[g];
        m = g;
      }
      bool ignored = false;
      // pycocotools stores the matched ground truth's id and treats 0 as "no match": a match
      // to an annotation with id 0 then counts as a false positive. Reproduced on purpose.
      bool matched = false;
      if (m > -1) {
        const auto gm = static_cast<std::size_t>(m);
        ignored = s.gt_ignore[gm];
        matched = group.gts[gm]->id != 0;
        s.gt_matched[gm] = 1;
      }
      const double dt_area = group.dt_areas.empty() ? group.dts[d]->bbox.w * group.dts[d]->bbox.h
                                                    : group.dt_areas[d];
      if (!matched && (outside(dt_area) || group.not_exhaustive || (!group.dt_outside.empty() && group.dt_outside[d])))
        ignored = true;
      status[d * stride + t] = ignored ? DtStatus::kIgnored
                             : matched ? DtStatus::kTruePositive
                                       : DtStatus::kFalsePositive;
    }
  }
  return counted;
}

}  // namespace ds::coco
