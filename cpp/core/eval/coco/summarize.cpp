#include "core/eval/coco/summarize.hpp"

#include <cstdio>

#include "core/eval/coco/numpy_compat.hpp"
#include "core/util/error.hpp"

namespace ds::coco {
namespace {

std::vector<std::size_t> positions_of(const std::vector<double>& values, double v) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i] == v) out.push_back(i);
  return out;
}

// mean of the cells > -1, in NumPy's C order, or -1 when there are none (pycocotools'
// _summarize). Area and maxDets positions pair up like NumPy's advanced indexing.
double summarize_one(const EvalResult& r, bool ap, std::optional<double> iou_thr,
                     const std::string& area, int max_dets) {
  const Params& p = r.params;
  const EvalArrays& e = r.arrays;
  std::vector<std::size_t> ts;
  if (iou_thr) {
    ts = positions_of(p.iou_thrs, *iou_thr);
  } else {
    for (std::size_t t = 0; t < e.T; ++t) ts.push_back(t);
  }
  std::vector<std::size_t> as, ms;
  for (std::size_t a = 0; a < p.area_lbl.size() && a < e.A; ++a)
    if (p.area_lbl[a] == area) as.push_back(a);
  for (std::size_t m = 0; m < p.max_dets.size(); ++m)
    if (p.max_dets[m] == max_dets) ms.push_back(m);
  if (as.size() != ms.size() && as.size() > 1 && ms.size() > 1)
    throw Error("params: area labels and maxDets repeat in ways that cannot be paired");
  const std::size_t pairs = (as.empty() || ms.empty()) ? 0 : std::max(as.size(), ms.size());
  const auto pair_a = [&](std::size_t n) { return as[as.size() == 1 ? 0 : n]; };
  const auto pair_m = [&](std::size_t n) { return ms[ms.size() == 1 ? 0 : n]; };

  std::vector<double> valid;
  for (const std::size_t t : ts) {
    if (ap) {
      for (std::size_t rr = 0; rr < e.R; ++rr)
        for (std::size_t k = 0; k < e.K; ++k)
          for (std::size_t n = 0; n < pairs; ++n) {
            const double v = e.precision[e.pr_index(t, rr, k, pair_a(n), pair_m(n))];
            if (v > -1) valid.push_back(v);
          }
    } else {
      for (std::size_t k = 0; k < e.K; ++k)
        for (std::size_t n = 0; n < pairs; ++n) {
          const double v = e.recall[e.rc_index(t, k, pair_a(n), pair_m(n))];
          if (v > -1) valid.push_back(v);
        }
    }
  }
  return valid.empty() ? -1.0 : numpy_mean(valid);
}

}  // namespace

std::vector<SummaryItem> summarize(const EvalResult& r) {
  const Params& p = r.params;
  if (p.iou_type == IouType::kKeypoints) {
    // pycocotools' _summarizeKps: maxDets 20 whatever the params say (-1 where they lack it).
    std::vector<SummaryItem> items = {
        {"AP", true, std::nullopt, "all", 20},      {"AP50", true, 0.5, "all", 20},
        {"AP75", true, 0.75, "all", 20},            {"APm", true, std::nullopt, "medium", 20},
        {"APl", true, std::nullopt, "large", 20},   {"AR", false, std::nullopt, "all", 20},
        {"AR50", false, 0.5, "all", 20},            {"AR75", false, 0.75, "all", 20},
        {"ARm", false, std::nullopt, "medium", 20}, {"ARl", false, std::nullopt, "large", 20},
    };
    for (SummaryItem& it : items) it.value = summarize_one(r, it.is_ap, it.iou_thr, it.area, it.max_dets);
    return items;
  }
  if (p.max_dets.size() < 3)
    throw Error("params: maxDets needs 3 values for the standard summary (it uses maxDets[0..2])");
  const int m0 = p.max_dets[0], m1 = p.max_dets[1], m2 = p.max_dets[2];
  std::vector<SummaryItem> items = {
      {"AP", true, std::nullopt, "all", 100},     {"AP50", true, 0.5, "all", m2},
      {"AP75", true, 0.75, "all", m2},            {"APs", true, std::nullopt, "small", m2},
      {"APm", true, std::nullopt, "medium", m2},  {"APl", true, std::nullopt, "large", m2},
      {"AR1", false, std::nullopt, "all", m0},    {"AR10", false, std::nullopt, "all", m1},
      {"AR100", false, std::nullopt, "all", m2},  {"ARs", false, std::nullopt, "small", m2},
      {"ARm", false, std::nullopt, "medium", m2}, {"ARl", false, std::nullopt, "large", m2},
  };
  for (SummaryItem& it : items) it.value = summarize_one(r, it.is_ap, it.iou_thr, it.area, it.max_dets);
  return items;
}

std::vector<double> stats_of(const std::vector<SummaryItem>& items) {
  std::vector<double> out;
  for (const SummaryItem& it : items) out.push_back(it.value);
  return out;
}

std::string format_summary(const std::vector<SummaryItem>& items, const Params& p) {
  std::string out;
  char iou[32], line[160];
  for (const SummaryItem& it : items) {
    if (it.iou_thr)
      std::snprintf(iou, sizeof iou, "%0.2f", *it.iou_thr);
    else
      std::snprintf(iou, sizeof iou, "%0.2f:%0.2f", p.iou_thrs.front(), p.iou_thrs.back());
    std::snprintf(line, sizeof line, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f\n",
                  it.is_ap ? "Average Precision" : "Average Recall", it.is_ap ? "(AP)" : "(AR)",
                  iou, it.area.c_str(), it.max_dets, it.value);
    out += line;
  }
  return out;
}

CategoryScores category_scores(const EvalResult& r, std::size_t k) {
  const EvalArrays& e = r.arrays;
  const std::size_t m = e.M - 1;
  const auto mean_precision = [&](std::size_t t0, std::size_t t1, std::size_t a = 0) {
    std::vector<double> v;
    for (std::size_t t = t0; t < t1; ++t)
      for (std::size_t rr = 0; rr < e.R; ++rr) {
        const double x = e.precision[e.pr_index(t, rr, k, a, m)];
        if (x > -1) v.push_back(x);
      }
    return v.empty() ? -1.0 : numpy_mean(v);
  };
  CategoryScores s;
  s.ap = mean_precision(0, e.T);
  const auto at = [&](double thr) {
    const auto ts = positions_of(r.params.iou_thrs, thr);
    return ts.empty() ? -1.0 : mean_precision(ts.front(), ts.front() + 1);
  };
  s.ap50 = at(0.5);
  s.ap75 = at(0.75);
  // By area range, where the params have pycocotools' labels (small, medium, large).
  const auto by_area = [&](std::string_view label) {
    for (std::size_t a = 0; a < r.params.area_lbl.size() && a < e.A; ++a)
      if (r.params.area_lbl[a] == label) return mean_precision(0, e.T, a);
    return -1.0;
  };
  s.ap_small = by_area("small");
  s.ap_medium = by_area("medium");
  s.ap_large = by_area("large");
  std::vector<double> rec;
  for (std::size_t t = 0; t < e.T; ++t) {
    const double x = e.recall[e.rc_index(t, k, 0, m)];
    if (x > -1) rec.push_back(x);
  }
  s.ar = rec.empty() ? -1.0 : numpy_mean(rec);
  return s;
}

std::vector<double> pr_curve(const EvalResult& r, std::size_t k, std::optional<std::size_t> t) {
  const EvalArrays& e = r.arrays;
  const std::size_t m = e.M - 1;
  std::vector<double> out(e.R, -1.0);
  for (std::size_t rr = 0; rr < e.R; ++rr) {
    if (t) {
      out[rr] = e.precision[e.pr_index(*t, rr, k, 0, m)];
      continue;
    }
    std::vector<double> v;
    for (std::size_t tt = 0; tt < e.T; ++tt) {
      const double x = e.precision[e.pr_index(tt, rr, k, 0, m)];
      if (x > -1) v.push_back(x);
    }
    out[rr] = v.empty() ? -1.0 : numpy_mean(v);
  }
  return out;
}

}  // namespace ds::coco
