#include "core/trackers/association.hpp"

#include <algorithm>

#include "core/eval/tracking/linear_assignment.hpp"

namespace ds::trackers {

std::vector<float> box_iou_batch(const BoxList& a, const BoxList& b) {
  const std::size_t n = a.corners.size(), m = b.corners.size();
  std::vector<float> out(n * m, 0.0f);
  if (n == 0 || m == 0) return out;
  // Each side's areas in its own dtype; the union in float64 when either side is.
  const auto areas = [](const BoxList& l) {
    std::vector<double> v;
    v.reserve(l.corners.size());
    for (const auto& c : l.corners) {
      if (l.float64) {
        v.push_back((c[2] - c[0]) * (c[3] - c[1]));
      } else {
        const float w = static_cast<float>(c[2]) - static_cast<float>(c[0]);
        const float h = static_cast<float>(c[3]) - static_cast<float>(c[1]);
        v.push_back(w * h);
      }
    }
    return v;
  };
  const std::vector<double> area_a = areas(a), area_b = areas(b);
  const bool wide = a.float64 || b.float64;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = a.corners[i];
    for (std::size_t j = 0; j < m; ++j) {
      const auto& q = b.corners[j];
      // np.maximum / np.minimum into float32 arrays: the extreme, rounded to float32.
      const float x1 = static_cast<float>(std::max(p[0], q[0])), x2 = static_cast<float>(std::min(p[2], q[2]));
      const float y1 = static_cast<float>(std::max(p[1], q[1])), y2 = static_cast<float>(std::min(p[3], q[3]));
      const float w = std::max(x2 - x1, 0.0f), h = std::max(y2 - y1, 0.0f);
      const float inter = w * h;
      if (wide) {
        const double norm = area_a[i] + area_b[j] - static_cast<double>(inter);
        if (norm > 0) out[i * m + j] = static_cast<float>(static_cast<double>(inter) / norm);
      } else {
        const float norm = static_cast<float>(area_a[i]) + static_cast<float>(area_b[j]) - inter;
        if (norm > 0) out[i * m + j] = inter / norm;
      }
    }
  }
  return out;
}

std::vector<float> iou_distance(const BoxList& a, const BoxList& b) {
  std::vector<float> cost = box_iou_batch(a, b);
  for (float& c : cost) c = 1.0f - c;
  return cost;
}

void fuse_score(std::vector<float>& cost, std::size_t rows, std::span<const float> scores) {
  const std::size_t cols = scores.size();
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      float& c = cost[i * cols + j];
      c = 1.0f - (1.0f - c) * scores[j];
    }
}

namespace {

// A CPython (3.8 - 3.12) set of small non-negative ints, as far as insertion goes: hash(i) == i,
// LINEAR_PROBES 9, PERTURB_SHIFT 5, resized to the smallest power of two above used * 4 when
// fill * 5 >= mask * 3.
class PySet {
 public:
  void add(std::size_t key) {
    if (insert(table_, key)) ++used_;
    if (used_ * 5 >= (table_.size() - 1) * 3) resize(used_ * 4);
  }
  std::vector<std::size_t> items() const {
    std::vector<std::size_t> out;
    for (const std::ptrdiff_t k : table_)
      if (k >= 0) out.push_back(static_cast<std::size_t>(k));
    return out;
  }

 private:
  static bool insert(std::vector<std::ptrdiff_t>& table, std::size_t key) {
    const std::size_t mask = table.size() - 1;
    std::size_t i = key & mask, perturb = key;
    while (true) {
      const std::size_t probes = i + 9 <= mask ? 9 : 0;
      for (std::size_t k = 0; k <= probes; ++k) {
        std::ptrdiff_t& e = table[i + k];
        if (e < 0) {
          e = static_cast<std::ptrdiff_t>(key);
          return true;
        }
        if (static_cast<std::size_t>(e) == key) return false;
      }
      perturb >>= 5;
      i = (i * 5 + 1 + perturb) & mask;
    }
  }
  void resize(std::size_t minused) {
    std::size_t size = 8;
    while (size <= minused) size <<= 1;
    std::vector<std::ptrdiff_t> fresh(size, -1);
    for (const std::ptrdiff_t k : table_)
      if (k >= 0) insert(fresh, static_cast<std::size_t>(k));
    table_ = std::move(fresh);
  }

  std::vector<std::ptrdiff_t> table_ = std::vector<std::ptrdiff_t>(8, -1);
  std::size_t used_ = 0;
};

}  // namespace

std::vector<std::size_t> python_set_difference(std::size_t n, std::span<const std::size_t> taken) {
  std::vector<char> in(n, 0);
  std::size_t distinct = 0;
  for (const std::size_t t : taken)
    if (t < n && !in[t]) in[t] = 1, ++distinct;
  std::vector<std::size_t> out;
  // set(range(n)) holds i in slot i, so iterating it is ascending. When it is much larger than
  // the other set, CPython copies it and deletes: still ascending. Otherwise it adds the kept
  // ints to a new, growing set, whose slot order is what we see.
  if ((n >> 2) > distinct) {
    for (std::size_t i = 0; i < n; ++i)
      if (!in[i]) out.push_back(i);
    return out;
  }
  PySet s;
  for (std::size_t i = 0; i < n; ++i)
    if (!in[i]) s.add(i);
  return s.items();
}

Matching linear_assignment(std::vector<float> cost, std::size_t rows, std::size_t cols, double thresh) {
  Matching m;
  if (rows == 0 || cols == 0) {
    for (std::size_t i = 0; i < rows; ++i) m.unmatched_rows.push_back(i);
    for (std::size_t j = 0; j < cols; ++j) m.unmatched_cols.push_back(j);
    return m;
  }
  // cost[cost > thresh] = thresh + 1e-4 on a float32 array: both numbers as float32 (NEP 50).
  const float limit = static_cast<float>(thresh), clipped = static_cast<float>(thresh + 1e-4);
  std::vector<double> wide(cost.size());
  for (std::size_t k = 0; k < cost.size(); ++k) {
    if (cost[k] > limit) cost[k] = clipped;
    wide[k] = cost[k];
  }
  const tracking::Assignment a = tracking::linear_sum_assignment(wide, rows, cols);
  std::vector<std::size_t> matched_rows, matched_cols;
  for (std::size_t k = 0; k < a.rows.size(); ++k)
    if (cost[a.rows[k] * cols + a.cols[k]] <= limit) {
      m.matches.emplace_back(a.rows[k], a.cols[k]);
      matched_rows.push_back(a.rows[k]);
      matched_cols.push_back(a.cols[k]);
    }
  m.unmatched_rows = python_set_difference(rows, matched_rows);
  m.unmatched_cols = python_set_difference(cols, matched_cols);
  return m;
}

}  // namespace ds::trackers
