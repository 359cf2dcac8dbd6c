#include "core/eval/coco/accumulate.hpp"

#include <algorithm>
#include <cstring>

#include "core/eval/coco/numpy_compat.hpp"

namespace ds::coco {

EvalArrays::EvalArrays(std::size_t t, std::size_t r, std::size_t k, std::size_t a, std::size_t m)
    : T(t), R(r), K(k), A(a), M(m),
      precision(t * r * k * a * m, -1.0),
      recall(t * k * a * m, -1.0),
      scores(t * r * k * a * m, -1.0) {}

void CategoryMatches::reset(std::size_t areas) {
  scores.clear();
  rank.clear();
  status.clear();
  counted_gt.assign(areas, 0);
  has_images = false;
  group_image.clear();
  group_first.assign(1, 0);
  group_gt.clear();
}

void keep_images(const CategoryMatches& all, std::span<const std::uint8_t> keep, std::size_t A, std::size_t T,
                 CategoryMatches& out) {
  out.reset(A);
  const std::size_t AT = A * T;
  for (std::size_t g = 0; g < all.group_image.size(); ++g) {
    if (!keep[all.group_image[g]]) continue;
    out.has_images = true;
    const std::size_t d0 = all.group_first[g], d1 = all.group_first[g + 1];
    out.scores.insert(out.scores.end(), all.scores.begin() + d0, all.scores.begin() + d1);
    out.rank.insert(out.rank.end(), all.rank.begin() + d0, all.rank.begin() + d1);
    out.status.insert(out.status.end(), all.status.begin() + d0 * AT, all.status.begin() + d1 * AT);
    for (std::size_t a = 0; a < A; ++a) out.counted_gt[a] += all.group_gt[g * A + a];
    out.group_image.push_back(all.group_image[g]);
    out.group_first.push_back(static_cast<std::uint32_t>(out.scores.size()));
    out.group_gt.insert(out.group_gt.end(), all.group_gt.begin() + g * A, all.group_gt.begin() + (g + 1) * A);
  }
}

// pycocotools computes, per (t, a, m), over the detections in score order:
//   rc = tp / npig, pr = tp / (fp + tp + eps), pr made non-increasing from the right (each
//   point the max of all later ones), then for each recall threshold r the first i with
//   rc[i] >= recThrs[r] (np.searchsorted 'left'), q[r] = pr[i], and it stops at the first r
//   past the end.
// The same numbers with fewer divisions: rc[i] >= thr first holds at the n-th true positive,
// n the least count with n / npig >= thr (or at i = 0 when 0 / npig >= thr). Between two true
// positives pr only falls, so the max over i.. is the max of pr at i and at the later true
// positives: only those need dividing. Same operations on the same doubles: same bits.
// Large categories by an LSD radix sort of the scores' bits (stable, so ties keep their order),
// small ones by std::sort of (score, position).
void sort_by_score(std::span<const double> scores, AccumulateScratch& s) {
  const std::size_t n = scores.size();
  s.by_score.resize(n);
  if (n < 1024) {
    s.keyed.resize(n);
    for (std::size_t j = 0; j < n; ++j) s.keyed[j] = {scores[j], static_cast<std::uint32_t>(j)};
    std::sort(s.keyed.begin(), s.keyed.end(), [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    for (std::size_t j = 0; j < n; ++j) s.by_score[j] = s.keyed[j].second;
    return;
  }
  // A key whose ascending order is the scores' descending order: the IEEE bits made monotone
  // (negatives flipped, positives' sign set), then inverted; -0 is 0 (they compare equal).
  s.radix_key.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    const double x = scores[j] == 0 ? 0.0 : scores[j];
    std::uint64_t b;
    std::memcpy(&b, &x, sizeof b);
    b = (b >> 63) ? ~b : b | (std::uint64_t{1} << 63);
    s.radix_key[j] = ~b;
    s.by_score[j] = static_cast<std::uint32_t>(j);
  }
  s.radix_tmp.resize(n);
  s.radix_count.resize(std::size_t{1} << 16);
  for (unsigned shift = 0; shift < 64; shift += 16) {
    std::fill(s.radix_count.begin(), s.radix_count.end(), 0u);
    for (std::size_t j = 0; j < n; ++j) ++s.radix_count[(s.radix_key[j] >> shift) & 0xffff];
    if (s.radix_count[(s.radix_key[0] >> shift) & 0xffff] == n) continue;  // one digit: nothing moves
    std::uint32_t sum = 0;
    for (std::uint32_t& c : s.radix_count) {
      const std::uint32_t here = c;
      c = sum;
      sum += here;
    }
    for (const std::uint32_t j : s.by_score) s.radix_tmp[s.radix_count[(s.radix_key[j] >> shift) & 0xffff]++] = j;
    s.by_score.swap(s.radix_tmp);
  }
}

namespace {

// accumulate for one category, its matches read through `count`: count(i, j) adds detection j,
// the i-th selected by score, to s.tp / s.fp (and s.fp_all) and, at each true positive, its
// precision and i to s.tp_precision / s.tp_det.
template <class Count>
void accumulate_with(std::span<const double> scores, std::span<const std::uint32_t> rank,
                     std::span<const std::size_t> counted_gt, const Params& p, std::size_t k, EvalArrays& out,
                     AccumulateScratch& s, Count count) {
  const std::size_t T = out.T, R = out.R, A = out.A, AT = A * T;
  // One stable sort by descending score serves every maxDets: keeping the first maxDet of each
  // image from it gives the same order as pycocotools' mergesort of the concatenation.
  // (Sorting (score, position) pairs with the position as tie-break is the stable sort, and
  // faster than std::stable_sort through an index.)
  sort_by_score(scores, s);
  s.tp_precision.resize(AT);
  s.tp_det.resize(AT);
  s.min_tp.resize(R);

  std::size_t previous_nd = 0;
  for (std::size_t m = 0; m < p.max_dets.size(); ++m) {
    const auto max_det = static_cast<std::uint32_t>(std::max(p.max_dets[m], 0));
    s.selected.clear();
    for (const std::uint32_t j : s.by_score)
      if (rank[j] < max_det) s.selected.push_back(j);
    const std::size_t nd = s.selected.size();
    // maxDets are sorted, so each selection holds the previous one: as many detections means
    // the same ones (no image had more than the previous maxDet), and the same cells.
    if (m > 0 && nd == previous_nd) {
      for (std::size_t t = 0; t < T; ++t)
        for (std::size_t a = 0; a < A; ++a) {
          out.recall[out.rc_index(t, k, a, m)] = out.recall[out.rc_index(t, k, a, m - 1)];
          for (std::size_t r = 0; r < R; ++r) {
            out.precision[out.pr_index(t, r, k, a, m)] = out.precision[out.pr_index(t, r, k, a, m - 1)];
            out.scores[out.pr_index(t, r, k, a, m)] = out.scores[out.pr_index(t, r, k, a, m - 1)];
          }
        }
      continue;
    }
    previous_nd = nd;

    // One pass over the detections for every (a, t) at once.
    s.tp.assign(AT, 0);
    s.fp.assign(AT, 0);
    s.fp_all.assign(A, 0);
    for (std::size_t at = 0; at < AT; ++at) {
      s.tp_precision[at].clear();
      s.tp_det[at].clear();
    }
    for (std::size_t i = 0; i < nd; ++i) count(static_cast<std::uint32_t>(i), s.selected[i]);

    for (std::size_t a = 0; a < A; ++a) {
      const std::size_t npig = counted_gt[a];
      if (npig == 0) continue;
      const auto n_gt = static_cast<double>(npig);
      // Least n with n / npig >= recThrs[r] (npig + 1 when none): monotone in n.
      for (std::size_t r = 0; r < R; ++r) {
        std::uint32_t lo = 0, hi = static_cast<std::uint32_t>(npig) + 1;
        while (lo < hi) {
          const std::uint32_t mid = lo + (hi - lo) / 2;
          if (static_cast<double>(mid) / n_gt >= p.rec_thrs[r]) hi = mid; else lo = mid + 1;
        }
        s.min_tp[r] = lo;
      }
      for (std::size_t t = 0; t < T; ++t) {
        const std::size_t at = a * T + t;
        std::vector<double>& env = s.tp_precision[at];
        const std::vector<std::uint32_t>& tp_det = s.tp_det[at];
        const std::size_t n_tp = env.size();
        out.recall[out.rc_index(t, k, a, m)] = nd ? static_cast<double>(n_tp) / n_gt : 0.0;
        // Envelope over the true positives, right to left.
        for (std::size_t n = n_tp; n-- > 1;)
          if (env[n] > env[n - 1]) env[n - 1] = env[n];
        for (std::size_t r = 0; r < R; ++r) {
          out.precision[out.pr_index(t, r, k, a, m)] = 0.0;
          out.scores[out.pr_index(t, r, k, a, m)] = 0.0;
        }
        for (std::size_t r = 0; r < R; ++r) {
          const std::uint32_t need = s.min_tp[r];
          if (nd == 0 || need > n_tp) break;  // past the last point: the rest stay 0
          // need == 0: the first detection; its precision is 0 unless it is a true positive,
          // so the envelope there is the max over all true positives (0 without any).
          const double q = need == 0 ? (n_tp ? env[0] : 0.0) : env[need - 1];
          const std::uint32_t i = need == 0 ? 0 : tp_det[need - 1];
          out.precision[out.pr_index(t, r, k, a, m)] = q;
          out.scores[out.pr_index(t, r, k, a, m)] = scores[s.selected[i]];
        }
      }
    }
  }
}

}  // namespace

void accumulate_category(const CategoryMatches& cm, const Params& p, std::size_t k,
                         EvalArrays& out, AccumulateScratch& s) {
  if (!cm.has_images) return;
  const std::size_t AT = out.A * out.T;
  accumulate_with(cm.scores, cm.rank, cm.counted_gt, p, k, out, s, [&](std::uint32_t i, std::uint32_t j) {
    const DtStatus* st = cm.status.data() + static_cast<std::size_t>(j) * AT;
    for (std::size_t at = 0; at < AT; ++at) {
      if (st[at] == DtStatus::kFalsePositive) {
        ++s.fp[at];
      } else if (st[at] == DtStatus::kTruePositive) {
        const double tp = ++s.tp[at], fp = s.fp[at];
        s.tp_precision[at].push_back(tp / (fp + tp + kSpacingOne));
        s.tp_det[at].push_back(i);
      }
    }
  });
}

void accumulate_bits(const CategoryBits& cb, const Params& p, std::size_t k, EvalArrays& out,
                     AccumulateScratch& s) {
  if (!cb.has_images) return;
  const std::size_t T = out.T, A = out.A;
  const auto all = static_cast<std::uint16_t>((1u << T) - 1);
  accumulate_with(cb.scores, cb.rank, cb.counted_gt, p, k, out, s, [&](std::uint32_t i, std::uint32_t j) {
    for (std::size_t a = 0; a < A; ++a) {
      // (Bits past the thresholds mean nothing: a file's words are masked.)
      const auto tp = static_cast<std::uint16_t>(cb.tp[std::size_t{j} * A + a] & all);
      const std::uint16_t ignored = cb.ignored[std::size_t{j} * A + a];
      const auto fp = static_cast<std::uint16_t>(~(tp | ignored) & all);
      // Most detections are false positives at every threshold (or ignored at every one, out
      // of the area range): one count for all thresholds then. A threshold's false positives
      // are fp[at] + fp_all[a]: the same integers as counting each.
      if (fp == all) {
        ++s.fp_all[a];
        continue;
      }
      for (unsigned w = fp; w; w &= w - 1) ++s.fp[a * T + static_cast<std::size_t>(__builtin_ctz(w))];
      for (unsigned w = tp; w; w &= w - 1) {
        const std::size_t at = a * T + static_cast<std::size_t>(__builtin_ctz(w));
        const double tps = ++s.tp[at], fps = s.fp[at] + s.fp_all[a];
        s.tp_precision[at].push_back(tps / (fps + tps + kSpacingOne));
        s.tp_det[at].push_back(i);
      }
    }
  });
}

}  // namespace ds::coco
