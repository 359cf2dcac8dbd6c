#include "core/eval/tracking/hota.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/eval/coco/numpy_compat.hpp"
#include "core/eval/tracking/box_iou.hpp"
#include "core/eval/tracking/linear_assignment.hpp"
#include "core/eval/tracking/pair_table.hpp"

namespace ds::tracking {
namespace {

void final_fields(HotaResult& r) {
  for (std::size_t a = 0; a < kAlphas; ++a) {
    const double tp = r.HOTA_TP[a], fn = r.HOTA_FN[a], fp = r.HOTA_FP[a];
    r.DetRe[a] = tp / std::max(1.0, tp + fn);
    r.DetPr[a] = tp / std::max(1.0, tp + fp);
    r.DetA[a] = tp / std::max(1.0, tp + fn + fp);
    r.HOTA[a] = std::sqrt(r.DetA[a] * r.AssA[a]);
    r.OWTA[a] = std::sqrt(r.DetRe[a] * r.AssA[a]);
  }
  r.HOTA0 = r.HOTA[0];
  r.LocA0 = r.LocA[0];
  r.HOTALocA0 = r.HOTA0 * r.LocA0;
}

// numpy's sum over axis 0 of a C-ordered matrix: row after row, from 0; a single column is
// contiguous, and numpy then sums it pairwise.
void column_sums(const std::vector<double>& m, std::size_t n, std::size_t k, std::vector<double>& out) {
  if (k == 1) {
    out.assign(1, coco::pairwise_sum(std::span<const double>(m.data(), n)));
    return;
  }
  out.assign(k, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) out[j] += m[i * k + j];
}

}  // namespace

const AlphaArray& hota_alphas() {
  static const AlphaArray alphas = [] {
    AlphaArray a{};
    for (std::size_t i = 0; i < kAlphas; ++i) a[i] = 0.05 + static_cast<double>(i) * 0.05;
    return a;
  }();
  return alphas;
}

const AlphaArray& HotaResult::array(std::string_view name) const {
  if (name == "HOTA") return HOTA;
  if (name == "DetA") return DetA;
  if (name == "AssA") return AssA;
  if (name == "DetRe") return DetRe;
  if (name == "DetPr") return DetPr;
  if (name == "AssRe") return AssRe;
  if (name == "AssPr") return AssPr;
  if (name == "LocA") return LocA;
  return OWTA;
}

double alpha_mean(const AlphaArray& values) { return coco::numpy_mean(values); }

HotaResult hota_sequence(const SequenceData& data) {
  HotaResult r;
  // An empty side: TrackEval returns before its final fields (HOTA, DetA... stay 0, LocA 1).
  if (data.num_tracker_dets == 0 || data.num_gt_dets == 0) {
    auto& counted = data.num_tracker_dets == 0 ? r.HOTA_FN : r.HOTA_FP;
    counted.fill(static_cast<double>(data.num_tracker_dets == 0 ? data.num_gt_dets : data.num_tracker_dets));
    r.LocA.fill(1.0);
    r.LocA0 = 1.0;
    return r;
  }
  const std::size_t ng = data.num_gt_ids, nt = data.num_tracker_ids;
  PairTable potential(ng, nt);
  std::vector<double> gt_count(ng, 0.0), tracker_count(nt, 0.0);
  std::vector<double> col_sum, sim_iou;
  for (const SequenceData::Frame& f : data.frames) {
    const std::size_t n = f.gt_ids.size(), m = f.tracker_ids.size();
    if (n > 0 && m > 0) {
      column_sums(f.similarity, n, m, col_sum);
      for (std::size_t i = 0; i < n; ++i) {
        const double* row = f.similarity.data() + i * m;
        const double row_sum = coco::pairwise_sum(std::span<const double>(row, m));
        for (std::size_t j = 0; j < m; ++j) {
          if (row[j] == 0) continue;  // adds 0 (its denominator is positive: the row holds it)
          const double denom = col_sum[j] + row_sum - row[j];
          if (denom > 0 + kEps) potential.at(static_cast<std::size_t>(f.gt_ids[i]), static_cast<std::size_t>(f.tracker_ids[j])) += row[j] / denom;
        }
      }
    }
    for (const auto g : f.gt_ids) gt_count[static_cast<std::size_t>(g)] += 1;
    for (const auto t : f.tracker_ids) tracker_count[static_cast<std::size_t>(t)] += 1;
  }

  // Matches per pair and alpha: a Hungarian match of similarity s counts for every alpha up to s,
  // so each pair keeps how many of its matches reached each alpha.
  std::unordered_map<std::uint64_t, std::size_t> pair_slot;
  std::vector<std::pair<std::uint64_t, AlphaArray>> matches;
  const AlphaArray& alphas = hota_alphas();
  std::vector<double> score;
  for (const SequenceData::Frame& f : data.frames) {
    const std::size_t n = f.gt_ids.size(), m = f.tracker_ids.size();
    if (n == 0) {
      for (auto& v : r.HOTA_FP) v += static_cast<double>(m);
      continue;
    }
    if (m == 0) {
      for (auto& v : r.HOTA_FN) v += static_cast<double>(n);
      continue;
    }
    score.resize(n * m);
    for (std::size_t i = 0; i < n; ++i) {
      const auto g = static_cast<std::size_t>(f.gt_ids[i]);
      for (std::size_t j = 0; j < m; ++j) {
        const auto t = static_cast<std::size_t>(f.tracker_ids[j]);
        const double s = f.similarity[i * m + j];
        double global = 0;
        if (s != 0) {
          const double p = potential.get(g, t);
          global = p / (gt_count[g] + tracker_count[t] - p);
        }
        score[i * m + j] = -(global * s);
      }
    }
    const Assignment a = linear_sum_assignment(score, n, m);
    for (std::size_t k = 0; k < kAlphas; ++k) {
      double loc = 0;
      std::size_t matched = 0;
      for (std::size_t p = 0; p < a.rows.size(); ++p) {
        const double s = f.similarity[a.rows[p] * m + a.cols[p]];
        if (s >= alphas[k] - kEps) {
          ++matched;
          loc += s;
        }
      }
      r.HOTA_TP[k] += static_cast<double>(matched);
      r.HOTA_FN[k] += static_cast<double>(n - matched);
      r.HOTA_FP[k] += static_cast<double>(m - matched);
      if (matched > 0) r.LocA[k] += loc;
    }
    for (std::size_t p = 0; p < a.rows.size(); ++p) {
      const double s = f.similarity[a.rows[p] * m + a.cols[p]];
      if (!(s >= alphas[0] - kEps)) continue;
      const std::uint64_t key = (static_cast<std::uint64_t>(f.gt_ids[a.rows[p]]) << 32) |
                                static_cast<std::uint32_t>(f.tracker_ids[a.cols[p]]);
      const auto [it, added] = pair_slot.try_emplace(key, matches.size());
      if (added) matches.push_back({key, AlphaArray{}});
      AlphaArray& counts = matches[it->second].second;
      for (std::size_t k = 0; k < kAlphas && s >= alphas[k] - kEps; ++k) counts[k] += 1;
    }
  }

  for (std::size_t k = 0; k < kAlphas; ++k) {
    double ass_a = 0, ass_re = 0, ass_pr = 0;
    for (const auto& [key, counts] : matches) {
      const double mc = counts[k];
      if (mc == 0) continue;
      const double gc = gt_count[key >> 32], tc = tracker_count[key & 0xffffffffu];
      ass_a += mc * (mc / std::max(1.0, gc + tc - mc));
      ass_re += mc * (mc / std::max(1.0, gc));
      ass_pr += mc * (mc / std::max(1.0, tc));
    }
    const double tp = std::max(1.0, r.HOTA_TP[k]);
    r.AssA[k] = ass_a / tp;
    r.AssRe[k] = ass_re / tp;
    r.AssPr[k] = ass_pr / tp;
    r.LocA[k] = std::max(1e-10, r.LocA[k]) / std::max(1e-10, r.HOTA_TP[k]);
  }
  final_fields(r);
  return r;
}

HotaResult hota_combine(std::span<const HotaResult> sequences) {
  HotaResult r;
  for (std::size_t k = 0; k < kAlphas; ++k) {
    double tp = 0, fn = 0, fp = 0;
    for (const HotaResult& s : sequences) {
      tp += s.HOTA_TP[k];
      fn += s.HOTA_FN[k];
      fp += s.HOTA_FP[k];
    }
    r.HOTA_TP[k] = tp;
    r.HOTA_FN[k] = fn;
    r.HOTA_FP[k] = fp;
    double ass_re = 0, ass_pr = 0, ass_a = 0, loc = 0;
    for (const HotaResult& s : sequences) {
      ass_re += s.AssRe[k] * s.HOTA_TP[k];
      ass_pr += s.AssPr[k] * s.HOTA_TP[k];
      ass_a += s.AssA[k] * s.HOTA_TP[k];
      loc += s.LocA[k] * s.HOTA_TP[k];
    }
    r.AssRe[k] = ass_re / std::max(1.0, tp);
    r.AssPr[k] = ass_pr / std::max(1.0, tp);
    r.AssA[k] = ass_a / std::max(1.0, tp);
    r.LocA[k] = std::max(1e-10, loc) / std::max(1e-10, tp);
  }
  final_fields(r);
  return r;
}

}  // namespace ds::tracking
