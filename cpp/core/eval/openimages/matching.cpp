#include "core/eval/openimages/matching.hpp"

#include <algorithm>

namespace ds::openimages {
namespace {

// np_box_ops: the intersection, its IoU and its IoA (over the area of `b`), with the
// reference's operations in its order.
double area(const NormBox& b) { return (b.y1 - b.y0) * (b.x1 - b.x0); }

double intersection(const NormBox& a, const NormBox& b) {
  const double h = std::max(0.0, std::min(a.y1, b.y1) - std::max(a.y0, b.y0));
  const double w = std::max(0.0, std::min(a.x1, b.x1) - std::max(a.x0, b.x0));
  return h * w;
}

}  // namespace

void match_image_class(std::span<const ScoredBox> detections, std::span<const GtBox> gt, std::vector<Record>& out) {
  const std::size_t n = detections.size();
  if (n == 0) return;
  std::vector<const NormBox*> boxes, groups;
  for (const GtBox& g : gt) (g.group_of ? groups : boxes).push_back(&g.box);
  std::vector<char> tp(n, 0), absorbed(n, 0);
  if (!boxes.empty()) {
    std::vector<char> taken(boxes.size(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      const NormBox& d = detections[i].box;
      const double ad = area(d);
      // np.argmax over the row: the first of equal IoUs. NaN cannot occur: a detection has area.
      std::size_t best = 0;
      double best_iou = -1;
      for (std::size_t g = 0; g < boxes.size(); ++g) {
        const double inter = intersection(d, *boxes[g]);
        const double iou = inter / (ad + area(*boxes[g]) - inter);
        if (iou > best_iou) best_iou = iou, best = g;
      }
      if (best_iou >= 0.5 && !taken[best]) tp[i] = taken[best] = 1;
    }
  }
  std::vector<double> group_score(groups.size(), 0.0);
  if (!groups.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      if (tp[i]) continue;
      const NormBox& d = detections[i].box;
      const double ad = area(d);
      std::size_t best = 0;
      double best_ioa = -1;
      for (std::size_t g = 0; g < groups.size(); ++g) {
        const double ioa = intersection(*groups[g], d) / ad;
        if (ioa > best_ioa) best_ioa = ioa, best = g;
      }
      if (best_ioa >= 0.5) {
        absorbed[i] = 1;
        group_score[best] = std::max(group_score[best], detections[i].score);
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (!absorbed[i]) out.push_back({detections[i].score, tp[i] != 0});
  for (const double s : group_score)
    if (s > 0) out.push_back({s, true});
}

}  // namespace ds::openimages
