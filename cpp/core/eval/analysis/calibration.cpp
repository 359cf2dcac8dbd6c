#include "core/eval/analysis/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "core/eval/analysis/analyses.hpp"
#include "core/eval/analysis/coco_params.hpp"
#include "core/eval/coco/evaluate.hpp"
#include "core/util/error.hpp"
#include "core/util/json_writer.hpp"

namespace ds::analysis {
namespace {

struct Outcome {
  double confidence;
  bool correct;
};

std::vector<CalibrationBin> bins_of(std::span<const Outcome> outcomes, std::size_t n_bins) {
  std::vector<CalibrationBin> bins(n_bins);
  const double n = static_cast<double>(n_bins);
  for (std::size_t i = 0; i < n_bins; ++i)
    bins[i] = {static_cast<double>(i) / n, static_cast<double>(i + 1) / n, 0, 0, 0};
  for (const Outcome& o : outcomes) {
    // Rust's `as usize` (hotcoco's cast) saturates: negative scores go to the first bin.
    const double x = o.confidence * n;
    const std::size_t idx = x > 0 ? std::min(static_cast<std::size_t>(std::min(x, n)), n_bins - 1) : 0;
    bins[idx].avg_confidence += o.confidence;
    bins[idx].avg_accuracy += o.correct ? 1.0 : 0.0;
    ++bins[idx].count;
  }
  for (CalibrationBin& b : bins)
    if (b.count > 0) {
      b.avg_confidence /= static_cast<double>(b.count);
      b.avg_accuracy /= static_cast<double>(b.count);
    }
  return bins;
}

// (ECE, MCE) over the non-empty bins.
std::pair<double, double> errors_of(std::span<const CalibrationBin> bins, std::size_t total) {
  double ece = 0, mce = 0;
  if (total == 0) return {ece, mce};
  for (const CalibrationBin& b : bins)
    if (b.count > 0) {
      const double gap = std::abs(b.avg_accuracy - b.avg_confidence);
      ece += (static_cast<double>(b.count) / static_cast<double>(total)) * gap;
      mce = std::max(mce, gap);
    }
  return {ece, mce};
}

// hotcoco accepts only one of its iouThrs (np.linspace(.5, .95, 10), within 1e-9) and matches at
// that array's value (0.8999999999999999 for 0.9): a threshold that close is snapped to it, so
// both match the same pairs. Any other threshold in (0, 1] is ours alone.
double snapped_iou(double iou, const coco::Params& p) {
  for (const double t : p.iou_thrs)
    if (std::abs(t - iou) < 1e-9) return t;
  return iou;
}

}  // namespace

Calibration calibration(const Dataset& gt, std::span<const Detection> detections,
                        std::span<const std::int64_t> image_ids, const EvaluatorOptions& options) {
  if (options.calibration_bins == 0) throw Error("calibration: n_bins must be at least 1");
  if (!(options.calibration_iou > 0 && options.calibration_iou <= 1))
    throw Error("calibration: the IoU threshold must be above 0, at most 1");
  coco::Params p = coco_params(gt, options, image_ids);
  // One threshold and the "all" area range: matching at one (t, area) does not depend on the others.
  const std::size_t all = all_area_index(p);
  p.iou_thrs = {snapped_iou(options.calibration_iou, p)};
  p.area_rng = {p.area_rng[all]};
  p.area_lbl = {"all"};
  const coco::EvalResult r = coco::evaluate(gt, detections, p, options.threads, /*keep_matches=*/true);

  std::unordered_map<std::int64_t, const Category*> by_id;
  for (const Category& c : gt.categories) by_id.emplace(c.id, &c);
  Calibration out;
  out.iou = p.iou_thrs.front();
  std::vector<Outcome> every, one;
  for (std::size_t k = 0; k < r.matches.size(); ++k) {
    const coco::CategoryMatches& m = r.matches[k];
    one.clear();
    for (std::size_t j = 0; j < m.scores.size(); ++j)
      if (m.status[j] != coco::DtStatus::kIgnored)
        one.push_back({m.scores[j], m.status[j] == coco::DtStatus::kTruePositive});
    if (one.empty()) continue;  // hotcoco lists only categories with a counted detection
    const std::int64_t id = (*r.params.cat_ids)[k];
    const auto bins = bins_of(one, options.calibration_bins);
    const auto c = by_id.find(id);
    out.categories.push_back({id, c != by_id.end() ? c->second->name : "", errors_of(bins, one.size()).first, one.size()});
    every.insert(every.end(), one.begin(), one.end());
  }
  out.bins = bins_of(every, options.calibration_bins);
  std::tie(out.ece, out.mce) = errors_of(out.bins, every.size());
  out.detections = every.size();
  return out;
}

Metrics calibration_analysis(const AnalysisContext& context) {
  const Calibration c = calibration(context.gt, context.detections, context.image_ids, context.options);
  Metrics m;
  char line[200];
  std::snprintf(line, sizeof line, "\nCalibration: ECE %.4f, MCE %.4f (%zu bins, %zu detections, %s %.2f)\n", c.ece,
                c.mce, c.bins.size(), c.detections, context.matched_by, c.iou);
  m.text = line;
  JsonWriter w(1);
  w.begin_object()
      .field("iou_threshold", c.iou)
      .field("n_bins", static_cast<std::int64_t>(c.bins.size()))
      .field("num_detections", static_cast<std::int64_t>(c.detections))
      .field("ece", c.ece)
      .field("mce", c.mce);
  w.key("bins").begin_array();
  for (const CalibrationBin& b : c.bins)
    w.begin_object()
        .field("bin_lower", b.lower)
        .field("bin_upper", b.upper)
        .field("avg_confidence", b.avg_confidence)
        .field("avg_accuracy", b.avg_accuracy)
        .field("count", static_cast<std::int64_t>(b.count))
        .end_object();
  w.end_array();
  w.key("per_category").begin_array();
  for (const CategoryCalibration& k : c.categories)
    w.begin_object()
        .field("category_id", k.category_id)
        .field("name", k.name)
        .field("ece", k.ece)
        .field("detections", static_cast<std::int64_t>(k.detections))
        .end_object();
  w.end_array().end_object();
  m.json_fields.emplace_back("calibration", w.take());

  char at[120];
  std::snprintf(at, sizeof at, "right: matched by COCO's matching at %s %.2f (area all, the metric's maxDets per image and class)",
                context.matched_by, c.iou);
  Section s{"calibration", "Confidence calibration", "", std::string("how far scores are from the share of detections that are right; ") + at};
  s.values = {{"calibration.ece", "ECE", "expected calibration error: each bin's |accuracy - mean score|, weighted by its detections",
               c.ece, false, ValueFormat::kFraction, true},
              {"calibration.mce", "MCE", "maximum calibration error: the largest |accuracy - mean score| of a non-empty bin",
               c.mce, false, ValueFormat::kFraction},
              {"calibration.num_detections", "calibrated detections", "detections binned (crowd-matched ones left out)",
               static_cast<double>(c.detections), true, ValueFormat::kCount}};
  s.tables.push_back({"calibration.per_category", "Per class", "each class's own ECE over its detections", "category_id", "name",
                      {{"ece", "ECE", "the class's expected calibration error", false, ValueFormat::kFraction},
                       {"detections", "detections", "the class's binned detections", true, ValueFormat::kCount}},
                      ""});
  s.charts.push_back({"reliability", "calibration", "Reliability diagram", "accuracy against mean score per bin; " + std::string(at)});
  m.sections.push_back(std::move(s));
  return m;
}

}  // namespace ds::analysis
