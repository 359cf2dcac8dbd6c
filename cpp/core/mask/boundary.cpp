#include "core/mask/boundary.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <vector>

#include "core/util/error.hpp"

namespace ds::mask {
namespace {

// The mask's pixels inside its bounding box, column-major, bh x bw, from column x0 and row y0.
// Every pixel outside the box is 0, so erosion (outside = 0) and the boundary need nothing else.
struct Region {
  std::uint32_t x0 = 0, y0 = 0, bw = 0, bh = 0;
  std::vector<std::uint8_t> bits;
};

// Calls fn(x, y_begin, y_end) for each ones run cut at column ends.
template <class Fn>
void for_each_piece(const Rle& r, Fn fn) {
  std::uint64_t pos = 0;
  bool one = false;
  for (const std::uint32_t c : r.counts) {
    if (one) {
      for (std::uint64_t s = pos, e = pos + c; s < e;) {
        const std::uint64_t x = s / r.h, y = s % r.h;
        const std::uint64_t piece = std::min<std::uint64_t>(e - s, r.h - y);
        fn(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y), static_cast<std::uint32_t>(y + piece));
        s += piece;
      }
    }
    pos += c;
    one = !one;
  }
}

Region region_of(const Rle& r) {
  Region g;
  if (r.h == 0 || r.w == 0) return g;
  std::uint32_t xs = UINT32_MAX, xe = 0, ys = UINT32_MAX, ye = 0;
  for_each_piece(r, [&](std::uint32_t x, std::uint32_t y0, std::uint32_t y1) {
    xs = std::min(xs, x);
    xe = std::max(xe, x + 1);
    ys = std::min(ys, y0);
    ye = std::max(ye, y1);
  });
  if (xs == UINT32_MAX) return g;  // empty mask
  g = {xs, ys, xe - xs, ye - ys, {}};
  g.bits.assign(static_cast<std::size_t>(g.bw) * g.bh, 0);
  for_each_piece(r, [&](std::uint32_t x, std::uint32_t y0, std::uint32_t y1) {
    std::uint8_t* col = g.bits.data() + static_cast<std::size_t>(x - g.x0) * g.bh;
    std::fill(col + (y0 - g.y0), col + (y1 - g.y0), std::uint8_t{1});
  });
  return g;
}

// Erosion by a (2r+1) square, separably: a column's run [s, e) keeps [s+r, e-r) (vertical pass,
// one column at a time), then a pixel survives where 2r+1 columns in a row kept it (a count per
// row). survives(x, y) is called for column x - r once column x is read, so it may change
// columns before x.
template <class Survives>
void erode_region(const Region& g, std::int64_t r, Survives survives) {
  const std::int64_t window = 2 * r + 1;
  if (g.bh < window || g.bw < window) return;  // nothing survives
  std::vector<std::uint32_t> run(g.bh, 0);     // columns in a row, up to this one, kept by the vertical pass
  std::vector<std::uint8_t> vertical(g.bh);
  for (std::uint32_t x = 0; x < g.bw; ++x) {
    const std::uint8_t* col = g.bits.data() + static_cast<std::size_t>(x) * g.bh;
    std::fill(vertical.begin(), vertical.end(), std::uint8_t{0});
    for (std::uint32_t y = 0; y < g.bh;) {
      if (!col[y]) {
        ++y;
        continue;
      }
      std::uint32_t e = y;
      while (e < g.bh && col[e]) ++e;
      if (e - y >= window) std::fill(vertical.begin() + (y + r), vertical.begin() + (e - r), std::uint8_t{1});
      y = e;
    }
    for (std::uint32_t y = 0; y < g.bh; ++y) run[y] = vertical[y] ? run[y] + 1 : 0;
    if (x + 1 < static_cast<std::uint64_t>(window)) continue;
    const auto target = static_cast<std::uint32_t>(x - r);
    for (std::uint32_t y = 0; y < g.bh; ++y)
      if (run[y] >= window) survives(target, y);
  }
}

// The region's ones as an RLE of the whole h x w mask.
Rle to_rle(const Region& g, std::uint32_t h, std::uint32_t w) {
  Rle out{h, w, {}};
  const std::uint64_t total = static_cast<std::uint64_t>(h) * w;
  std::uint64_t end = 0;  // where the last ones run ended
  for (std::uint32_t x = 0; x < g.bw; ++x) {
    const std::uint8_t* col = g.bits.data() + static_cast<std::size_t>(x) * g.bh;
    const std::uint64_t base = static_cast<std::uint64_t>(g.x0 + x) * h + g.y0;
    for (std::uint32_t y = 0; y < g.bh;) {
      if (!col[y]) {
        ++y;
        continue;
      }
      std::uint32_t e = y;
      while (e < g.bh && col[e]) ++e;
      const std::uint64_t start = base + y;
      if (!out.counts.empty() && start == end) {
        out.counts.back() += e - y;  // continues a run from the column before
      } else {
        out.counts.push_back(static_cast<std::uint32_t>(start - end));
        out.counts.push_back(e - y);
      }
      end = start + (e - y);
      y = e;
    }
  }
  if (out.counts.empty() || end < total) out.counts.push_back(static_cast<std::uint32_t>(total - end));
  return out;
}

}  // namespace

int boundary_dilation(std::uint32_t h, std::uint32_t w, double ratio) {
  const std::uint64_t hh = h, ww = w;
  const double d = std::round(ratio * std::sqrt(static_cast<double>(hh * hh + ww * ww)) - 1e-10);
  if (!(d >= 1)) return 1;
  return d > INT_MAX ? INT_MAX : static_cast<int>(d);
}

Rle erode(const Rle& rle, int radius) {
  if (radius < 0) throw Error("erosion radius " + std::to_string(radius) + " is negative");
  const Region g = region_of(rle);
  Region e{g.x0, g.y0, g.bw, g.bh, std::vector<std::uint8_t>(g.bits.size(), 0)};
  erode_region(g, radius, [&](std::uint32_t x, std::uint32_t y) { e.bits[static_cast<std::size_t>(x) * g.bh + y] = 1; });
  return to_rle(e, rle.h, rle.w);
}

Rle boundary(const Rle& rle, int dilation) {
  if (dilation < 0) throw Error("boundary dilation " + std::to_string(dilation) + " is negative");
  Region g = region_of(rle);
  const std::int64_t window = 2 * static_cast<std::int64_t>(dilation) + 1;
  // Too thin to keep an interior: the whole mask is its boundary.
  if (g.bh < window || g.bw < window) return rle;
  // The eroded pixels leave the mask; the columns cleared are behind the one being read.
  erode_region(g, dilation, [&](std::uint32_t x, std::uint32_t y) { g.bits[static_cast<std::size_t>(x) * g.bh + y] = 0; });
  return to_rle(g, rle.h, rle.w);
}

Rle boundary_of(const Rle& rle, double ratio) { return boundary(rle, boundary_dilation(rle.h, rle.w, ratio)); }

}  // namespace ds::mask
