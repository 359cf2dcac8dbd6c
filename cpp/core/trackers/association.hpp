#pragma once
// What ByteTrack's matching.py and supervision's box_iou_batch compute, in numpy's precisions:
// the IoU matrix (corners intersected in float32, areas in each side's own dtype), 1 - IoU as a
// float32 cost, fuse_score, and linear_assignment (costs above the threshold clipped to
// threshold + 1e-4, scipy's linear_sum_assignment, pairs kept when their cost <= threshold).
#include <array>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace ds::trackers {

// Boxes as numpy would hold them: corners, and whether the array is float64 (any float64 box
// promotes the whole list) or float32 (the values are then float32 numbers).
struct BoxList {
  std::vector<std::array<double, 4>> corners;
  bool float64 = false;
};

// box_iou_batch(a, b): a.size() x b.size(), row-major, float32.
std::vector<float> box_iou_batch(const BoxList& a, const BoxList& b);
// iou_distance: 1 - IoU, float32.
std::vector<float> iou_distance(const BoxList& a, const BoxList& b);
// fuse_score: 1 - (1 - cost) * score of the column's detection, float32.
void fuse_score(std::vector<float>& cost, std::size_t rows, std::span<const float> scores);

struct Matching {
  std::vector<std::pair<std::size_t, std::size_t>> matches;  // (row, col), rows ascending
  std::vector<std::size_t> unmatched_rows, unmatched_cols;  // in the order Python's set gives them
};
Matching linear_assignment(std::vector<float> cost, std::size_t rows, std::size_t cols, double thresh);

// tuple(set(range(n)) - set(taken)): CPython's set iteration order for small ints (not always
// ascending: {95, ..., 99} from set(range(100)) - set(range(95)) iterates 96, 97, 98, 99, 95).
std::vector<std::size_t> python_set_difference(std::size_t n, std::span<const std::size_t> taken);

}  // namespace ds::trackers
