#include "core/eval/tracking/identity.hpp"

#include <algorithm>
#include <numeric>

#include "core/eval/tracking/linear_assignment.hpp"
#include "core/eval/tracking/pair_table.hpp"

namespace ds::tracking {
namespace {

void final_fields(IdentityResult& r) {
  r.IDR = r.IDTP / std::max(1.0, r.IDTP + r.IDFN);
  r.IDP = r.IDTP / std::max(1.0, r.IDTP + r.IDFP);
  r.IDF1 = r.IDTP / std::max(1.0, r.IDTP + 0.5 * r.IDFP + 0.5 * r.IDFN);
}

// Union-find over gt ids (0..ng-1) and tracker ids (ng..).
struct Groups {
  std::vector<std::size_t> parent;
  explicit Groups(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), std::size_t{0}); }
  std::size_t find(std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void join(std::size_t a, std::size_t b) { parent[find(a)] = find(b); }
};

}  // namespace

IdentityResult identity_sequence(const SequenceData& data, double threshold) {
  IdentityResult r;
  if (data.num_tracker_dets == 0) {
    r.IDFN = static_cast<double>(data.num_gt_dets);
    return r;
  }
  if (data.num_gt_dets == 0) {
    r.IDFP = static_cast<double>(data.num_tracker_dets);
    return r;
  }
  const std::size_t ng = data.num_gt_ids, nt = data.num_tracker_ids;
  PairTable overlap(ng, nt);
  double gt_total = 0, tracker_total = 0;
  for (const SequenceData::Frame& f : data.frames) {
    const std::size_t n = f.gt_ids.size(), m = f.tracker_ids.size();
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < m; ++j)
        if (f.similarity[i * m + j] >= threshold)
          overlap.at(static_cast<std::size_t>(f.gt_ids[i]), static_cast<std::size_t>(f.tracker_ids[j])) += 1;
    gt_total += static_cast<double>(n);
    tracker_total += static_cast<double>(m);
  }

  // The best matching's summed overlap, group by group of ids linked by some overlap.
  struct Edge {
    std::size_t g, t;
    double count;
  };
  std::vector<Edge> edges;
  overlap.for_each([&](std::size_t g, std::size_t t, double v) { edges.push_back({g, t, v}); });
  Groups groups(ng + nt);
  for (const Edge& e : edges) groups.join(e.g, ng + e.t);
  std::vector<std::vector<std::size_t>> by_group(ng + nt);
  for (std::size_t k = 0; k < edges.size(); ++k) by_group[groups.find(edges[k].g)].push_back(k);
  double matched = 0;
  std::vector<double> cost;
  std::vector<std::size_t> row_of(ng, 0), col_of(nt, 0);
  for (const auto& members : by_group) {
    if (members.empty()) continue;
    std::vector<std::size_t> rows, cols;
    for (const std::size_t k : members) {
      rows.push_back(edges[k].g);
      cols.push_back(edges[k].t);
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    std::sort(cols.begin(), cols.end());
    cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
    for (std::size_t i = 0; i < rows.size(); ++i) row_of[rows[i]] = i;
    for (std::size_t j = 0; j < cols.size(); ++j) col_of[cols[j]] = j;
    cost.assign(rows.size() * cols.size(), 0.0);
    for (const std::size_t k : members) cost[row_of[edges[k].g] * cols.size() + col_of[edges[k].t]] = -edges[k].count;
    const Assignment a = linear_sum_assignment(cost, rows.size(), cols.size());
    for (std::size_t p = 0; p < a.rows.size(); ++p) matched -= cost[a.rows[p] * cols.size() + a.cols[p]];
  }
  r.IDFN = gt_total - matched;
  r.IDFP = tracker_total - matched;
  r.IDTP = gt_total - r.IDFN;
  final_fields(r);
  return r;
}

IdentityResult identity_combine(std::span<const IdentityResult> sequences) {
  IdentityResult r;
  for (const IdentityResult& s : sequences) {
    r.IDTP += s.IDTP;
    r.IDFN += s.IDFN;
    r.IDFP += s.IDFP;
  }
  final_fields(r);
  return r;
}

}  // namespace ds::tracking
