#include "core/eval/tracking/clear.hpp"

#include <algorithm>
#include <cmath>

#include "core/eval/tracking/box_iou.hpp"
#include "core/eval/tracking/linear_assignment.hpp"

namespace ds::tracking {
namespace {

void final_fields(ClearResult& r) {
  const double num_gt_ids = r.MT + r.ML + r.PT;
  r.MTR = r.MT / std::max(1.0, num_gt_ids);
  r.MLR = r.ML / std::max(1.0, num_gt_ids);
  r.PTR = r.PT / std::max(1.0, num_gt_ids);
  r.CLR_Re = r.CLR_TP / std::max(1.0, r.CLR_TP + r.CLR_FN);
  r.CLR_Pr = r.CLR_TP / std::max(1.0, r.CLR_TP + r.CLR_FP);
  r.MODA = (r.CLR_TP - r.CLR_FP) / std::max(1.0, r.CLR_TP + r.CLR_FN);
  r.MOTA = (r.CLR_TP - r.CLR_FP - r.IDSW) / std::max(1.0, r.CLR_TP + r.CLR_FN);
  r.MOTP = r.MOTP_sum / std::max(1.0, r.CLR_TP);
  r.sMOTA = (r.MOTP_sum - r.CLR_FP - r.IDSW) / std::max(1.0, r.CLR_TP + r.CLR_FN);
  r.CLR_F1 = r.CLR_TP / std::max(1.0, r.CLR_TP + 0.5 * r.CLR_FN + 0.5 * r.CLR_FP);
  r.FP_per_frame = r.CLR_FP / std::max(1.0, r.CLR_Frames);
  const double safe_log_idsw = r.IDSW > 0 ? std::log10(r.IDSW) : r.IDSW;
  r.MOTAL = (r.CLR_TP - r.CLR_FP - safe_log_idsw) / std::max(1.0, r.CLR_TP + r.CLR_FN);
}

}  // namespace

ClearResult clear_sequence(const SequenceData& data, double threshold, ClearDetails* details) {
  ClearResult r;
  ClearDetails scratch;
  ClearDetails& d = details ? *details : scratch;
  d.idsw_per_frame.assign(data.frames.size(), 0.0);
  d.frag_per_frame.assign(data.frames.size(), 0.0);
  d.gt_frames.assign(data.num_gt_ids, 0.0);
  d.gt_matched.assign(data.num_gt_ids, 0.0);
  d.gt_frag.assign(data.num_gt_ids, 0.0);
  d.gt_idsw.assign(data.num_gt_ids, 0.0);
  // An empty side: TrackEval returns these before its final fields (MOTA etc. stay 0).
  if (data.num_tracker_dets == 0) {
    r.CLR_FN = static_cast<double>(data.num_gt_dets);
    r.ML = static_cast<double>(data.num_gt_ids);
    r.MLR = 1.0;
    return r;
  }
  if (data.num_gt_dets == 0) {
    r.CLR_FP = static_cast<double>(data.num_tracker_dets);
    r.MLR = 1.0;
    return r;
  }
  const std::size_t ng = data.num_gt_ids;
  constexpr std::int32_t kNone = -1;
  std::vector<double> gt_count(ng, 0.0), gt_matched(ng, 0.0), gt_frag(ng, 0.0);
  // The tracker id each gt object was last matched to (any frame before: id switches), and in the
  // frame just before (the matching's bonus, and Frag).
  std::vector<std::int32_t> last_tracker(ng, kNone), prev_frame_tracker(ng, kNone), now_tracker(ng, kNone);
  std::vector<double> score;
  std::vector<std::size_t> rows, cols;
  for (std::size_t ti = 0; ti < data.frames.size(); ++ti) {
    const SequenceData::Frame& f = data.frames[ti];
    const std::size_t n = f.gt_ids.size(), m = f.tracker_ids.size();
    if (n == 0) {
      r.CLR_FP += static_cast<double>(m);
      continue;
    }
    if (m == 0) {
      r.CLR_FN += static_cast<double>(n);
      for (const auto g : f.gt_ids) gt_count[static_cast<std::size_t>(g)] += 1;
      continue;
    }
    score.resize(n * m);
    for (std::size_t i = 0; i < n; ++i) {
      const std::int32_t prev = prev_frame_tracker[static_cast<std::size_t>(f.gt_ids[i])];
      for (std::size_t j = 0; j < m; ++j) {
        const double s = f.similarity[i * m + j];
        const double v = s < threshold - kEps ? 0.0 : 1000.0 * (f.tracker_ids[j] == prev ? 1.0 : 0.0) + s;
        score[i * m + j] = -v;
      }
    }
    const Assignment a = linear_sum_assignment(score, n, m);
    rows.clear();
    cols.clear();
    for (std::size_t p = 0; p < a.rows.size(); ++p)
      if (-score[a.rows[p] * m + a.cols[p]] > 0 + kEps) {
        rows.push_back(a.rows[p]);
        cols.push_back(a.cols[p]);
      }
    for (std::size_t p = 0; p < rows.size(); ++p) {
      const auto g = static_cast<std::size_t>(f.gt_ids[rows[p]]);
      const std::int32_t t = f.tracker_ids[cols[p]];
      if (last_tracker[g] != kNone && last_tracker[g] != t) {
        r.IDSW += 1;
        d.idsw_per_frame[ti] += 1;
        d.gt_idsw[g] += 1;
      }
    }
    for (const auto g : f.gt_ids) gt_count[static_cast<std::size_t>(g)] += 1;
    std::fill(now_tracker.begin(), now_tracker.end(), kNone);
    for (std::size_t p = 0; p < rows.size(); ++p) {
      const auto g = static_cast<std::size_t>(f.gt_ids[rows[p]]);
      gt_matched[g] += 1;
      last_tracker[g] = f.tracker_ids[cols[p]];
      now_tracker[g] = f.tracker_ids[cols[p]];
    }
    for (std::size_t g = 0; g < ng; ++g)
      if (prev_frame_tracker[g] == kNone && now_tracker[g] != kNone) {
        if (gt_frag[g] > 0) d.frag_per_frame[ti] += 1;  // picked up again: a fragmentation
        gt_frag[g] += 1;
      }
    prev_frame_tracker.swap(now_tracker);
    const double matched = static_cast<double>(rows.size());
    r.CLR_TP += matched;
    r.CLR_FN += static_cast<double>(n) - matched;
    r.CLR_FP += static_cast<double>(m) - matched;
    if (!rows.empty()) {
      double sum = 0;
      for (std::size_t p = 0; p < rows.size(); ++p) sum += f.similarity[rows[p] * m + cols[p]];
      r.MOTP_sum += sum;
    }
  }
  for (std::size_t g = 0; g < ng; ++g) {
    d.gt_frames[g] = gt_count[g];
    d.gt_matched[g] = gt_matched[g];
    d.gt_frag[g] = gt_frag[g] > 0 ? gt_frag[g] - 1 : 0;
    if (gt_count[g] > 0) {
      const double ratio = gt_matched[g] / gt_count[g];
      if (ratio > 0.8) r.MT += 1;
      if (ratio >= 0.2) r.PT += 1;
    }
    if (gt_frag[g] > 0) r.Frag += gt_frag[g] - 1;
  }
  r.PT -= r.MT;
  r.ML = static_cast<double>(ng) - r.MT - r.PT;
  r.MOTP = r.MOTP_sum / std::max(1.0, r.CLR_TP);
  r.CLR_Frames = static_cast<double>(data.frames.size());
  final_fields(r);
  return r;
}

ClearResult clear_combine(std::span<const ClearResult> sequences) {
  ClearResult r;
  for (const ClearResult& s : sequences) {
    r.CLR_TP += s.CLR_TP;
    r.CLR_FN += s.CLR_FN;
    r.CLR_FP += s.CLR_FP;
    r.IDSW += s.IDSW;
    r.MT += s.MT;
    r.PT += s.PT;
    r.ML += s.ML;
    r.Frag += s.Frag;
    r.CLR_Frames += s.CLR_Frames;
    r.MOTP_sum += s.MOTP_sum;
  }
  final_fields(r);
  return r;
}

}  // namespace ds::tracking
