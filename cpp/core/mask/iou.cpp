#include "core/mask/iou.hpp"

#include <algorithm>
#include <cmath>

namespace ds::mask {
namespace {

// Intersection and union pixel counts of two masks of one size, walking both runs at once.
void overlap(const Rle& d, const Rle& g, std::uint32_t& inter, std::uint32_t& uni) {
  std::uint32_t ca = d.counts.empty() ? 0 : d.counts[0], cb = g.counts.empty() ? 0 : g.counts[0];
  std::size_t a = 1, b = 1;
  bool va = false, vb = false;
  std::uint32_t i = 0, u = 0, ct = 1;
  while (ct > 0) {
    const std::uint32_t c = std::min(ca, cb);
    if (va || vb) {
      u += c;
      if (va && vb) i += c;
    }
    ct = 0;
    ca -= c;
    if (!ca && a < d.counts.size()) {
      ca = d.counts[a++];
      va = !va;
    }
    ct += ca;
    cb -= c;
    if (!cb && b < g.counts.size()) {
      cb = g.counts[b++];
      vb = !vb;
    }
    ct += cb;
    // Unequal totals (never for checked masks) would stall here.
    if (c == 0 && ((!ca && a >= d.counts.size()) || (!cb && b >= g.counts.size())) && ct > 0) break;
  }
  inter = i;
  uni = u;
}

}  // namespace

void iou(std::span<const Rle* const> dts, std::span<const Rle* const> gts,
         std::span<const std::uint8_t> crowd, std::span<double> out) {
  const std::size_t n_gt = gts.size();
  std::vector<std::array<double, 4>> db(dts.size()), gb(n_gt);
  for (std::size_t d = 0; d < dts.size(); ++d) db[d] = to_bbox(*dts[d]);
  for (std::size_t g = 0; g < n_gt; ++g) gb[g] = to_bbox(*gts[g]);
  for (std::size_t g = 0; g < n_gt; ++g) {
    const auto& G = gb[g];
    const double ga = G[2] * G[3];
    const bool is_crowd = crowd[g] != 0;
    for (std::size_t d = 0; d < dts.size(); ++d) {
      double& o = out[d * n_gt + g];
      // bbIou on the masks' boxes first, operation for operation.
      const auto& D = db[d];
      const double da = D[2] * D[3];
      o = 0;
      const double bw = std::fmin(D[2] + D[0], G[2] + G[0]) - std::fmax(D[0], G[0]);
      if (bw <= 0) continue;
      const double bh = std::fmin(D[3] + D[1], G[3] + G[1]) - std::fmax(D[1], G[1]);
      if (bh <= 0) continue;
      const double bi = bw * bh;
      o = bi / (is_crowd ? da : da + ga - bi);
      if (!(o > 0)) continue;
      const Rle& dm = *dts[d];
      const Rle& gm = *gts[g];
      if (dm.h != gm.h || dm.w != gm.w) {
        o = -1;
        continue;
      }
      std::uint32_t i = 0, u = 0;
      overlap(dm, gm, i, u);
      if (i == 0)
        u = 1;
      else if (is_crowd)
        u = area(dm);
      o = static_cast<double>(i) / static_cast<double>(u);
    }
  }
}

}  // namespace ds::mask
