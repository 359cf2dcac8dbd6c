#include "core/eval/analysis/f_scores.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/eval/analysis/analyses.hpp"
#include "core/eval/analysis/coco_params.hpp"
#include "core/eval/coco/evaluate.hpp"
#include "core/util/error.hpp"
#include "core/util/json_writer.hpp"

namespace ds::analysis {
namespace {

// Rust's `{}` of an f64 (hotcoco's key): the shortest decimal that reads back, never an
// exponent ("2" for 2.0, "0.5").
std::string beta_text(double beta) {
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof buf, beta, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

}  // namespace

FScores f_scores(const Dataset& gt, std::span<const Detection> detections, std::span<const std::int64_t> image_ids,
                 const EvaluatorOptions& options) {
  const double beta = options.f_beta;
  if (!(beta > 0 && std::isfinite(beta))) throw Error("f_scores: beta must be a positive number");
  const coco::Params params = coco_params(gt, options, image_ids);
  const coco::EvalResult r = coco::evaluate(gt, detections, params, options.threads);
  const coco::EvalArrays& e = r.arrays;
  const std::size_t a = all_area_index(r.params), m = e.M - 1;
  const double b2 = beta * beta;
  double sum[3] = {0, 0, 0};
  std::size_t count[3] = {0, 0, 0};
  for (std::size_t t = 0; t < e.T; ++t) {
    const double thr = r.params.iou_thrs[t];
    const bool t50 = std::abs(thr - 0.5) < 1e-9, t75 = std::abs(thr - 0.75) < 1e-9;
    for (std::size_t k = 0; k < e.K; ++k) {
      double best = -std::numeric_limits<double>::infinity();
      for (std::size_t ri = 0; ri < e.R; ++ri) {
        const double p = e.precision[e.pr_index(t, ri, k, a, m)];
        if (p < 0) continue;  // no ground truth in this category
        const double rec = r.params.rec_thrs[ri];
        const double denom = b2 * p + rec;
        best = std::max(best, denom < std::numeric_limits<double>::epsilon() ? 0.0 : (1 + b2) * p * rec / denom);
      }
      if (best == -std::numeric_limits<double>::infinity()) continue;
      sum[0] += best;
      ++count[0];
      if (t50) {
        sum[1] += best;
        ++count[1];
      }
      if (t75) {
        sum[2] += best;
        ++count[2];
      }
    }
  }
  const auto mean = [&](int i) { return count[i] == 0 ? -1.0 : sum[i] / static_cast<double>(count[i]); };
  std::string name = "F";
  name += beta_text(beta);
  std::string key = name;
  std::replace(key.begin(), key.end(), '.', '_');
  return {beta, name, key, mean(0), mean(1), mean(2)};
}

Metrics f_scores_analysis(const AnalysisContext& context) {
  const FScores f = f_scores(context.gt, context.detections, context.image_ids, context.options);
  Metrics m;
  char line[200];
  std::snprintf(line, sizeof line, "\n%s %.3f, %s_50 %.3f, %s_75 %.3f (best F-beta over recall, beta %s)\n",
                f.name.c_str(), f.all, f.name.c_str(), f.at50, f.name.c_str(), f.at75, beta_text(f.beta).c_str());
  m.text = line;
  JsonWriter w(1);
  w.begin_object().field("beta", f.beta).field(f.key, f.all).field(f.key + "_50", f.at50).field(f.key + "_75", f.at75).end_object();
  m.json_fields.emplace_back("f_scores", w.take());

  const std::string how = "the highest F-beta (beta " + beta_text(f.beta) +
                          ") over COCO's 101 recall thresholds and interpolated precision, area all, mean over classes";
  Section s{"f_scores", "F-scores", "", how + " (hotcoco's f_scores)"};
  s.values = {{"f_scores." + f.key, f.name, how + ", over IoU 0.50:0.95", f.all, true, ValueFormat::kFraction, true},
              {"f_scores." + f.key + "_50", f.name + "_50", how + ", at IoU 0.50", f.at50, true, ValueFormat::kFraction},
              {"f_scores." + f.key + "_75", f.name + "_75", how + ", at IoU 0.75", f.at75, true, ValueFormat::kFraction}};
  m.sections.push_back(std::move(s));
  return m;
}

}  // namespace ds::analysis
