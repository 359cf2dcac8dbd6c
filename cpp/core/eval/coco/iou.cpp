#include "core/eval/coco/iou.hpp"

#include <cmath>

namespace ds::coco {

void box_iou(std::span<const Detection* const> dts, std::span<const Annotation* const> gts,
             std::span<double> out, bool crowd_as_object) {
  const std::size_t n_gt = gts.size();
  for (std::size_t g = 0; g < n_gt; ++g) {
    const Box& G = gts[g]->bbox;
    const double ga = G.w * G.h;
    const bool crowd = gts[g]->iscrowd && !crowd_as_object;
    for (std::size_t d = 0; d < dts.size(); ++d) {
      const Box& D = dts[d]->bbox;
      const double da = D.w * D.h;
      double& o = out[d * n_gt + g];
      o = 0;
      const double w = std::fmin(D.w + D.x, G.w + G.x) - std::fmax(D.x, G.x);
      if (w <= 0) continue;
      const double h = std::fmin(D.h + D.y, G.h + G.y) - std::fmax(D.y, G.y);
      if (h <= 0) continue;
      const double i = w * h;
      const double u = crowd ? da : da + ga - i;
      o = i / u;
    }
  }
}

}  // namespace ds::coco
