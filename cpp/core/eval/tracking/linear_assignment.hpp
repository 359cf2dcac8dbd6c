#pragma once
// The linear sum assignment TrackEval solves with scipy.optimize.linear_sum_assignment, with
// scipy's algorithm (Crouse's shortest augmenting path, as in scipy >= 1.4) and so its choice
// among equally good assignments: which of two tied tracks a ground-truth object is matched to
// changes HOTA, CLEAR and Identity, so the tie-breaking is part of the metric. Row by row, columns
// scanned in the order scipy scans them (a vector filled in reverse, entries removed by moving the
// last one in), a tie on the path cost going to a free column; a matrix taller than wide is
// solved transposed and its pairs returned sorted by row, as scipy does.
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace ds::tracking {

struct Assignment {
  std::vector<std::size_t> rows, cols;  // rows ascending, min(nr, nc) pairs
};

// Minimises the sum of cost[r * nc + c] over the pairs. Costs must be finite (every caller's are).
Assignment linear_sum_assignment(std::span<const double> cost, std::size_t nr, std::size_t nc);

}  // namespace ds::tracking
