#include "core/eval/voc/average_precision.hpp"

#include <algorithm>
#include <vector>

#include "core/eval/coco/numpy_compat.hpp"

namespace ds::voc {
namespace {

double eleven_point(std::span<const double> rec, std::span<const double> prec) {
  double ap = 0;
  for (int n = 0; n <= 10; ++n) {
    const double t = n * 0.1;  // np.arange(0., 1.1, 0.1): start + n * step
    double p = 0;
    for (std::size_t i = 0; i < rec.size(); ++i)
      if (rec[i] >= t) p = std::max(p, prec[i]);
    ap += p / 11.0;
  }
  return ap;
}

double all_point(std::span<const double> rec, std::span<const double> prec) {
  // mrec = [0, rec, 1], mpre = [0, prec, 0]; envelope right to left; sum the rectangles where
  // recall changes (np.sum: pairwise, like the devkit's Python port).
  std::vector<double> mrec(rec.size() + 2), mpre(prec.size() + 2);
  mrec.front() = 0.0;
  mrec.back() = 1.0;
  mpre.front() = 0.0;
  mpre.back() = 0.0;
  std::copy(rec.begin(), rec.end(), mrec.begin() + 1);
  std::copy(prec.begin(), prec.end(), mpre.begin() + 1);
  for (std::size_t i = mpre.size() - 1; i > 0; --i) mpre[i - 1] = std::max(mpre[i - 1], mpre[i]);
  std::vector<double> areas;
  for (std::size_t i = 0; i + 1 < mrec.size(); ++i)
    if (mrec[i + 1] != mrec[i]) areas.push_back((mrec[i + 1] - mrec[i]) * mpre[i + 1]);
  return coco::pairwise_sum(areas);
}

}  // namespace

double average_precision(std::span<const double> recall, std::span<const double> precision,
                         Interpolation interpolation) {
  return interpolation == Interpolation::kElevenPoint ? eleven_point(recall, precision)
                                                      : all_point(recall, precision);
}

}  // namespace ds::voc
