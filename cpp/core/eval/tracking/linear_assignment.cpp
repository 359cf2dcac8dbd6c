#include "core/eval/tracking/linear_assignment.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace ds::tracking {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Scratch space of one solve, reused across its rows.
struct Solver {
  std::size_t nr, nc;
  const double* cost;  // nr x nc, nr <= nc
  std::vector<double> u, v, path_cost;
  std::vector<std::ptrdiff_t> path, col_of_row, row_of_col, unvisited;
  std::vector<char> row_seen, col_seen;

  Solver(const double* c, std::size_t rows, std::size_t cols)
      : nr(rows), nc(cols), cost(c), u(rows, 0.0), v(cols, 0.0), path_cost(cols), path(cols, -1),
        col_of_row(rows, -1), row_of_col(cols, -1), unvisited(cols), row_seen(rows), col_seen(cols) {}

  // The free column that ends the cheapest augmenting path from `row`, and that path's cost.
  std::ptrdiff_t shortest_path(std::ptrdiff_t row, double& path_min) {
    // Reverse order: a constant matrix then gives the identity, as scipy (its issue 11602).
    std::size_t left = nc;
    for (std::size_t k = 0; k < nc; ++k) unvisited[k] = static_cast<std::ptrdiff_t>(nc - k - 1);
    std::fill(row_seen.begin(), row_seen.end(), 0);
    std::fill(col_seen.begin(), col_seen.end(), 0);
    std::fill(path_cost.begin(), path_cost.end(), kInf);
    double reached = 0;
    std::ptrdiff_t i = row;
    for (;;) {
      row_seen[static_cast<std::size_t>(i)] = 1;
      std::size_t best = 0;
      double lowest = kInf;
      bool found = false;
      const double* costs = cost + static_cast<std::size_t>(i) * nc;
      const double ui = u[static_cast<std::size_t>(i)];
      for (std::size_t k = 0; k < left; ++k) {
        const auto j = static_cast<std::size_t>(unvisited[k]);
        const double r = reached + costs[j] - ui - v[j];
        if (r < path_cost[j]) {
          path[j] = i;
          path_cost[j] = r;
        }
        // Equal costs: prefer a free column (it ends the path), as scipy does.
        if (path_cost[j] < lowest || (path_cost[j] == lowest && row_of_col[j] == -1)) {
          lowest = path_cost[j];
          best = k;
          found = true;
        }
      }
      reached = lowest;
      if (!found || reached == kInf) return -1;
      const auto j = static_cast<std::size_t>(unvisited[best]);
      col_seen[j] = 1;
      unvisited[best] = unvisited[--left];
      if (row_of_col[j] == -1) {
        path_min = reached;
        return static_cast<std::ptrdiff_t>(j);
      }
      i = row_of_col[j];
    }
  }

  bool solve() {
    for (std::size_t cur = 0; cur < nr; ++cur) {
      double path_min = 0;
      const std::ptrdiff_t sink = shortest_path(static_cast<std::ptrdiff_t>(cur), path_min);
      if (sink < 0) return false;
      u[cur] += path_min;
      for (std::size_t i = 0; i < nr; ++i)
        if (row_seen[i] && i != cur) u[i] += path_min - path_cost[static_cast<std::size_t>(col_of_row[i])];
      for (std::size_t j = 0; j < nc; ++j)
        if (col_seen[j]) v[j] -= path_min - path_cost[j];
      std::ptrdiff_t j = sink;
      for (;;) {
        const std::ptrdiff_t i = path[static_cast<std::size_t>(j)];
        row_of_col[static_cast<std::size_t>(j)] = i;
        std::swap(col_of_row[static_cast<std::size_t>(i)], j);
        if (i == static_cast<std::ptrdiff_t>(cur)) break;
      }
    }
    return true;
  }
};

}  // namespace

Assignment linear_sum_assignment(std::span<const double> cost, std::size_t nr, std::size_t nc) {
  Assignment out;
  if (nr == 0 || nc == 0) return out;
  const bool transpose = nc < nr;
  std::vector<double> flipped;
  const double* c = cost.data();
  if (transpose) {
    flipped.resize(nr * nc);
    for (std::size_t i = 0; i < nr; ++i)
      for (std::size_t j = 0; j < nc; ++j) flipped[j * nr + i] = cost[i * nc + j];
    c = flipped.data();
  }
  Solver s(c, transpose ? nc : nr, transpose ? nr : nc);
  if (!s.solve()) return out;  // only with infinite costs, which no caller builds
  const std::size_t n = s.nr;
  out.rows.resize(n);
  out.cols.resize(n);
  if (transpose) {
    // s's rows are our columns: pairs sorted by our row (col_of_row values are distinct).
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s.col_of_row[a] < s.col_of_row[b]; });
    for (std::size_t k = 0; k < n; ++k) {
      out.rows[k] = static_cast<std::size_t>(s.col_of_row[order[k]]);
      out.cols[k] = order[k];
    }
  } else {
    for (std::size_t k = 0; k < n; ++k) {
      out.rows[k] = k;
      out.cols[k] = static_cast<std::size_t>(s.col_of_row[k]);
    }
  }
  return out;
}

}  // namespace ds::tracking
