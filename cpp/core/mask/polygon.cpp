#include "core/mask/polygon.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>

#include "core/util/error.hpp"

namespace ds::mask {
namespace {

// C's (int) of a double as x86 computes it: out of range or NaN gives INT_MIN. maskApi divides
// 0 by 0 for a repeated vertex and converts the NaN; that point is then never used, but the
// conversion must not be undefined here.
int to_int(double v) {
  if (!(v > -2147483649.0 && v < 2147483648.0)) return INT_MIN;
  return static_cast<int>(v);
}

constexpr double kScale = 5;
constexpr double kMaxCoordinate = 1e7;
constexpr std::size_t kMaxBoundaryPoints = std::size_t{1} << 26;  // 512 MB of points
constexpr std::size_t kKeptScratch = std::size_t{1} << 20;         // points kept between calls

// Scratch space reused by a thread's calls: rasterising was mostly allocation otherwise. A huge
// polygon's buffers are let go afterwards.
struct Scratch {
  std::vector<int> x, y, u, v;
  std::vector<std::uint32_t> a;
  void trim() {
    if (u.capacity() > kKeptScratch) {
      std::vector<int>().swap(u);
      std::vector<int>().swap(v);
      std::vector<std::uint32_t>().swap(a);
    }
    if (x.capacity() > kKeptScratch) {
      std::vector<int>().swap(x);
      std::vector<int>().swap(y);
    }
  }
};

}  // namespace

Rle from_polygon(std::span<const double> xy, std::uint32_t h, std::uint32_t w) {
  if (static_cast<std::uint64_t>(h) * w > INT_MAX)
    throw Error("mask size " + std::to_string(h) + " x " + std::to_string(w) + " is too large");
  const std::size_t k = xy.size() / 2;
  for (std::size_t j = 0; j < 2 * k; ++j)
    if (!std::isfinite(xy[j]) || std::fabs(xy[j]) > kMaxCoordinate)
      throw Error("polygon coordinate " + std::to_string(j) + " is not a number within +-1e7");
  if (k == 0) throw Error("polygon without vertices");
  thread_local Scratch scratch;
  scratch.trim();
  auto& [x, y, u, v, a] = scratch;
  // Vertices upsampled by 5 and rounded half up (maskApi's (int)(5 * v + .5)).
  x.resize(k + 1);
  y.resize(k + 1);
  for (std::size_t j = 0; j < k; ++j) {
    x[j] = to_int(kScale * xy[2 * j] + .5);
    y[j] = to_int(kScale * xy[2 * j + 1] + .5);
  }
  x[k] = x[0];
  y[k] = y[0];
  std::size_t n = 0;
  for (std::size_t j = 0; j < k; ++j)
    n += static_cast<std::size_t>(std::max(std::abs(x[j] - x[j + 1]), std::abs(y[j] - y[j + 1]))) + 1;
  if (n > kMaxBoundaryPoints) throw Error("polygon too large to rasterise");

  // Every point of the boundary on the fine grid, edge by edge, walked along the longer axis.
  u.clear();
  v.clear();
  u.reserve(n);
  v.reserve(n);
  for (std::size_t j = 0; j < k; ++j) {
    int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
    const int dx = std::abs(xe - xs), dy = std::abs(ys - ye);
    const bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      std::swap(xs, xe);
      std::swap(ys, ye);
    }
    const double s = dx >= dy ? static_cast<double>(ye - ys) / dx : static_cast<double>(xe - xs) / dy;
    if (dx >= dy) {
      for (int d = 0; d <= dx; ++d) {
        const int t = flip ? dx - d : d;
        u.push_back(t + xs);
        v.push_back(to_int(ys + s * t + .5));
      }
    } else {
      for (int d = 0; d <= dy; ++d) {
        const int t = flip ? dy - d : d;
        v.push_back(t + ys);
        u.push_back(to_int(xs + s * t + .5));
      }
    }
  }

  // Where the boundary crosses a column of pixel centres: the first pixel inside, downsampled.
  const double w_last = static_cast<double>(static_cast<std::size_t>(w) - 1);  // size_t, as in C
  a.clear();
  a.reserve(u.size() + 1);
  for (std::size_t j = 1; j < u.size(); ++j) {
    if (u[j] == u[j - 1]) continue;
    double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
    xd = (xd + .5) / kScale - .5;
    if (std::floor(xd) != xd || xd < 0 || xd > w_last) continue;
    double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
    yd = (yd + .5) / kScale - .5;
    if (yd < 0)
      yd = 0;
    else if (yd > h)
      yd = h;
    yd = std::ceil(yd);
    a.push_back(static_cast<std::uint32_t>(static_cast<int>(xd) * static_cast<int>(h) + static_cast<int>(yd)));
  }
  a.push_back(h * w);
  std::sort(a.begin(), a.end());
  std::uint32_t previous = 0;
  for (std::uint32_t& t : a) {
    const std::uint32_t here = t;
    t -= previous;
    previous = here;
  }
  // Crossings at the same pixel cancel out (a zero-length run joins its neighbours).
  Rle r{h, w, {}};
  std::size_t j = 0;
  r.counts.push_back(a[j++]);
  while (j < a.size()) {
    if (a[j] > 0) {
      r.counts.push_back(a[j++]);
    } else {
      ++j;
      if (j < a.size()) r.counts.back() += a[j++];
    }
  }
  return r;
}

Rle from_box(std::span<const double, 4> b, std::uint32_t h, std::uint32_t w) {
  const double xs = b[0], xe = xs + b[2], ys = b[1], ye = ys + b[3];
  const double xy[8] = {xs, ys, xs, ye, xe, ye, xe, ys};
  return from_polygon(xy, h, w);
}

}  // namespace ds::mask
