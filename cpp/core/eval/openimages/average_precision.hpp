#pragma once
// One class's AP over its records, as the TF Object Detection API's metrics.py computes it:
// compute_precision_recall (records by descending score, equal scores later record first, as
// np.argsort(scores)[::-1] orders them with a stable sort) then compute_average_precision
// (precision made non-increasing from the right, summed over the points where recall changes).
#include <vector>

#include "core/eval/openimages/matching.hpp"

namespace ds::openimages {

// 0 when there are no records (the reference's empty precision); num_gt > 0.
double average_precision(std::vector<Record> records, double num_gt);

}  // namespace ds::openimages
