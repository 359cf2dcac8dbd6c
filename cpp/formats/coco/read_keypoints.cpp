#include "formats/coco/read_keypoints.hpp"

#include <cmath>
#include <cstdio>

namespace ds::coco {

std::string keypoint_problem(std::span<const double> kp, bool ground_truth) {
  if (kp.size() % 3 != 0)
    return std::to_string(kp.size()) + " numbers, not x, y, v for each keypoint (a multiple of 3)";
  for (std::size_t n = 0; n < kp.size(); ++n) {
    if (!std::isfinite(kp[n])) return "value [" + std::to_string(n) + "] is not a finite number";
    if (ground_truth && n % 3 == 2 && kp[n] != 0 && kp[n] != 1 && kp[n] != 2) {
      char v[32];
      std::snprintf(v, sizeof v, "%.17g", kp[n]);
      return "keypoint " + std::to_string(n / 3 + 1) + ": visibility " + v +
             " (expected 0: not labelled, 1: labelled but not visible, 2: visible)";
    }
  }
  return {};
}

int labelled_keypoints(std::span<const double> kp) {
  int n = 0;
  for (std::size_t i = 2; i < kp.size(); i += 3) n += kp[i] > 0;
  return n;
}

}  // namespace ds::coco
