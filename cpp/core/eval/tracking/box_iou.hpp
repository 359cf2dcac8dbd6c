#pragma once
// TrackEval's _calculate_box_ious for 'xywh' boxes, operation for operation: corners as x + w
// (not the width itself), areas from the corners, and its eps guards (a box of area <= eps, or a
// union <= eps, overlaps nothing). The preprocessing's and the metrics' thresholds compare these
// numbers with >= alpha - eps, so a last-bit difference could change a match.
#include <span>
#include <vector>

#include "core/eval/tracking/sequence.hpp"

namespace ds::tracking {

// gt x tracker IoU, row-major.
std::vector<double> box_ious(std::span<const TrackBox> gt, std::span<const TrackBox> tracker);

// np.finfo('float').eps, TrackEval's tolerance everywhere.
inline constexpr double kEps = 2.220446049250313e-16;

}  // namespace ds::tracking
