#include "core/eval/coco/accumulate.hpp"

#include <algorithm>
#include <numeric>

#include "core/eval/coco/numpy_compat.hpp"

namespace ds::coco {

EvalArrays::EvalArrays(std::size_t t, std::size_t r, std::size_t k, std::size_t a, std::size_t m)
    : T(t), R(r), K(k), A(a), M(m),
      precision(t * r * k * a * m, -1.0),
      recall(t * k * a * m, -1.0),
      scores(t * r * k * a * m, -1.0) {}

void CategoryMatches::reset(std::size_t areas, std::size_t thresholds) {
  scores.clear();
  rank.clear();
  status.resize(areas * thresholds);
  for (auto& s : status) s.clear();
  counted_gt.assign(areas, 0);
  has_images = false;
}

void accumulate_category(const CategoryMatches& cm, const Params& p, std::size_t k,
                         EvalArrays& out, AccumulateScratch& s) {
  if (!cm.has_images) return;
  const std::size_t T = out.T, R = out.R, A = out.A;
  // One stable sort by descending score serves every maxDets: keeping the first maxDet of each
  // image from it gives the same order as pycocotools' mergesort of the concatenation.
  s.by_score.resize(cm.scores.size());
  std::iota(s.by_score.begin(), s.by_score.end(), 0u);
  std::stable_sort(s.by_score.begin(), s.by_score.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return cm.scores[a] > cm.scores[b]; });

  for (std::size_t m = 0; m < p.max_dets.size(); ++m) {
    const auto max_det = static_cast<std::uint32_t>(std::max(p.max_dets[m], 0));
    s.selected.clear();
    for (const std::uint32_t j : s.by_score)
      if (cm.rank[j] < max_det) s.selected.push_back(j);
    const std::size_t nd = s.selected.size();
    s.recall.resize(nd);
    s.precision.resize(nd);

    for (std::size_t a = 0; a < A; ++a) {
      const std::size_t npig = cm.counted_gt[a];
      if (npig == 0) continue;
      const auto n_gt = static_cast<double>(npig);
      for (std::size_t t = 0; t < T; ++t) {
        const std::vector<DtStatus>& status = cm.status[a * T + t];
        double tp = 0, fp = 0;
        for (std::size_t i = 0; i < nd; ++i) {
          const DtStatus st = status[s.selected[i]];
          tp += st == DtStatus::kTruePositive;
          fp += st == DtStatus::kFalsePositive;
          s.recall[i] = tp / n_gt;
          s.precision[i] = tp / (fp + tp + kSpacingOne);
        }
        out.recall[out.rc_index(t, k, a, m)] = nd ? s.recall[nd - 1] : 0.0;
        // Precision envelope: max over all later points (right-to-left).
        for (std::size_t i = nd; i-- > 1;)
          if (s.precision[i] > s.precision[i - 1]) s.precision[i - 1] = s.precision[i];
        for (std::size_t r = 0; r < R; ++r) {
          out.precision[out.pr_index(t, r, k, a, m)] = 0.0;
          out.scores[out.pr_index(t, r, k, a, m)] = 0.0;
        }
        // np.searchsorted(rc, recThrs, 'left'); pycocotools stops at the first threshold past
        // the last point (an IndexError it catches), leaving the rest at 0.
        for (std::size_t r = 0; r < R; ++r) {
          const auto it = std::lower_bound(s.recall.begin(), s.recall.end(), p.rec_thrs[r]);
          const auto i = static_cast<std::size_t>(it - s.recall.begin());
          if (i >= nd) break;
          out.precision[out.pr_index(t, r, k, a, m)] = s.precision[i];
          out.scores[out.pr_index(t, r, k, a, m)] = cm.scores[s.selected[i]];
        }
      }
    }
  }
}

}  // namespace ds::coco
