#include "core/eval/coco/numpy_compat.hpp"

namespace ds::coco {
namespace {

// numpy/_core/src/umath/loops_utils.h.src, DOUBLE_pairwise_sum, for a contiguous array.
double pairwise(const double* a, std::size_t n) {
  constexpr std::size_t kBlock = 128;
  if (n < 8) {
    double res = 0.;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= kBlock) {
    double r[8];
    for (std::size_t k = 0; k < 8; ++k) r[k] = a[k];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (std::size_t k = 0; k < 8; ++k) r[k] += a[i + k];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

}  // namespace

std::vector<double> linspace(double start, double stop, std::size_t num) {
  std::vector<double> out(num);
  if (num == 0) return out;
  if (num == 1) {
    out[0] = start;
    return out;
  }
  const double div = static_cast<double>(num - 1);
  const double step = (stop - start) / div;
  for (std::size_t i = 0; i < num; ++i) out[i] = static_cast<double>(i) * step + start;
  out[num - 1] = stop;
  return out;
}

double pairwise_sum(std::span<const double> values) {
  return 0.0 + pairwise(values.data(), values.size());
}

}  // namespace ds::coco
