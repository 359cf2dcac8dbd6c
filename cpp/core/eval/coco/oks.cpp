#include "core/eval/coco/oks.hpp"

#include <algorithm>
#include <cmath>

#include "core/eval/coco/numpy_compat.hpp"

namespace ds::coco {

std::vector<double> oks_vars(std::span<const double> sigmas) {
  std::vector<double> out;
  out.reserve(sigmas.size());
  for (const double s : sigmas) {
    const double twice = s * 2;
    out.push_back(twice * twice);  // NumPy's x**2 is x * x
  }
  return out;
}

void keypoint_oks(std::span<const Detection* const> dts, std::span<const Annotation* const> gts,
                  std::span<const double> vars, std::span<double> out, std::vector<double>& e) {
  const std::size_t k = vars.size(), n_gt = gts.size();
  for (std::size_t j = 0; j < n_gt; ++j) {
    const Annotation& gt = *gts[j];
    // A ground truth without keypoints reads as K unlabelled ones (v = 0).
    const double* g = gt.keypoints.empty() ? nullptr : gt.keypoints.data();
    std::size_t k1 = 0;
    if (g)
      for (std::size_t n = 0; n < k; ++n) k1 += g[3 * n + 2] > 0;
    // No labelled keypoint: the distance to the ground truth's box grown by its size on every
    // side ("bounds for ignore regions (double the gt bbox)"), each term in pycocotools' order.
    const Box& bb = gt.bbox;
    const double x0 = bb.x - bb.w, x1 = bb.x + bb.w * 2;
    const double y0 = bb.y - bb.h, y1 = bb.y + bb.h * 2;
    const double denom = gt.area + kSpacingOne;
    for (std::size_t i = 0; i < dts.size(); ++i) {
      const double* d = dts[i]->keypoints.data();
      e.clear();
      for (std::size_t n = 0; n < k; ++n) {
        const double xd = d[3 * n], yd = d[3 * n + 1];
        double dx, dy;
        if (k1 > 0) {
          if (!(g[3 * n + 2] > 0)) continue;  // e = e[vg > 0]; the others are never used
          dx = xd - g[3 * n];
          dy = yd - g[3 * n + 1];
        } else {
          dx = std::max(0.0, x0 - xd) + std::max(0.0, xd - x1);
          dy = std::max(0.0, y0 - yd) + std::max(0.0, yd - y1);
        }
        // (dx**2 + dy**2) / vars / (area + np.spacing(1)) / 2, left to right
        e.push_back((dx * dx + dy * dy) / vars[n] / denom / 2);
      }
      // np.exp is libm's exp for float64 (without AVX-512F; see docs/metrics.md). Beyond
      // exp(-745.14) the result rounds to +0 (half the smallest subnormal is exp(-745.13)):
      // keypoints far from the ground truth (most pairs in a crowded image) skip libm's slow
      // underflow path and get the same 0.
      for (double& v : e) v = v > 746.0 ? 0.0 : std::exp(-v);
      // np.sum(np.exp(-e)) / e.shape[0]; K = 0 gives NaN as NumPy's 0/0 does.
      out[i * n_gt + j] = pairwise_sum(e) / static_cast<double>(e.size());
    }
  }
}

}  // namespace ds::coco
