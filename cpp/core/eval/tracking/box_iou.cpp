#include "core/eval/tracking/box_iou.hpp"

#include <algorithm>

namespace ds::tracking {

std::vector<double> box_ious(std::span<const TrackBox> gt, std::span<const TrackBox> tracker) {
  const std::size_t n = gt.size(), m = tracker.size();
  std::vector<double> out(n * m);
  std::vector<double> tx1(m), ty1(m), tarea(m);
  for (std::size_t j = 0; j < m; ++j) {
    const TrackBox& b = tracker[j];
    tx1[j] = b.x + b.w;
    ty1[j] = b.y + b.h;
    tarea[j] = (tx1[j] - b.x) * (ty1[j] - b.y);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const TrackBox& a = gt[i];
    const double ax1 = a.x + a.w, ay1 = a.y + a.h;
    const double aarea = (ax1 - a.x) * (ay1 - a.y);
    double* row = out.data() + i * m;
    for (std::size_t j = 0; j < m; ++j) {
      const TrackBox& b = tracker[j];
      const double iw = std::max(std::min(ax1, tx1[j]) - std::max(a.x, b.x), 0.0);
      const double ih = std::max(std::min(ay1, ty1[j]) - std::max(a.y, b.y), 0.0);
      double inter = iw * ih;
      double uni = aarea + tarea[j] - inter;
      if (aarea <= kEps || tarea[j] <= kEps || uni <= kEps) inter = 0;
      if (uni <= kEps) uni = 1;
      row[j] = inter / uni;
    }
  }
  return out;
}

}  // namespace ds::tracking
