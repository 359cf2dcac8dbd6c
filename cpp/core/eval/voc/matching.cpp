#include "core/eval/voc/matching.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace ds::voc {

double box_iou(const Box& a, const Box& b) {
  const double iw = std::min(a.x + a.w, b.x + b.w) - std::max(a.x, b.x);
  const double ih = std::min(a.y + a.h, b.y + b.h) - std::max(a.y, b.y);
  if (iw <= 0 || ih <= 0) return 0.0;
  const double inter = iw * ih;
  const double uni = a.w * a.h + b.w * b.h - inter;
  return uni > 0 ? inter / uni : 0.0;
}

std::vector<DtOutcome> match_class(const ClassInput& in, double iou_threshold) {
  std::vector<DtOutcome> out(in.dts.size(), DtOutcome::kFalsePositive);
  // Taken ground truths, by address: each annotation belongs to one image's list.
  std::unordered_set<const Annotation*> taken;
  for (std::size_t d = 0; d < in.dts.size(); ++d) {
    const auto gts = in.gts_of_image[in.dt_image[d]];
    double best = -INFINITY;
    const Annotation* best_gt = nullptr;
    for (const Annotation* g : gts) {
      const double iou = box_iou(in.dts[d]->bbox, g->bbox);
      if (iou > best) {
        best = iou;
        best_gt = g;
      }
    }
    if (best_gt == nullptr || !(best > iou_threshold)) continue;  // FP
    if (best_gt->difficult || best_gt->iscrowd) {
      out[d] = DtOutcome::kIgnored;
    } else if (taken.insert(best_gt).second) {
      out[d] = DtOutcome::kTruePositive;
    }
  }
  return out;
}

}  // namespace ds::voc
