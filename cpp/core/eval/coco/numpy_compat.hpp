#pragma once
// NumPy's exact arithmetic where pycocotools' numbers depend on it: linspace's formula and the
// pairwise summation behind np.mean. Matching them is what makes our stats equal to the bit.
#include <cstddef>
#include <span>
#include <vector>

namespace ds::coco {

// np.linspace(start, stop, num): i*step + start, and exactly `stop` at the end.
std::vector<double> linspace(double start, double stop, std::size_t num);

// np.add.reduce on a contiguous float64 array: 0.0 + pairwise sum (8 accumulators, blocks of 128).
double pairwise_sum(std::span<const double> values);

// np.mean: pairwise_sum / n.
inline double numpy_mean(std::span<const double> values) {
  return pairwise_sum(values) / static_cast<double>(values.size());
}

// np.spacing(1.0): the eps that pycocotools adds to the precision's denominator.
inline constexpr double kSpacingOne = 2.220446049250313e-16;

}  // namespace ds::coco
