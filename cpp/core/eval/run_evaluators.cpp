#include "core/eval/run_evaluators.hpp"

namespace ds {

EvaluatorOptions evaluator_options(const RunConfig& cfg, EvaluatorOptions base) {
  base.analysis_iou = cfg.analysis_iou;
  base.score_threshold = cfg.score_threshold;
  base.analysis_masks = !cfg.metrics.empty() && evaluator_reads_masks(cfg.metrics.front());
  return base;
}

std::vector<std::unique_ptr<Evaluator>> make_evaluators(std::span<const std::string> metrics,
                                                        std::span<const std::string> analyses,
                                                        const Dataset& ground_truth, EvaluatorOptions options) {
  // The analyses explain the run's first metric, so they compare what it compares.
  options.analysis_masks = !metrics.empty() && evaluator_reads_masks(metrics.front());
  std::vector<std::unique_ptr<Evaluator>> out;
  for (const std::string& name : metrics) out.push_back(make_evaluator(name, ground_truth, options));
  if (!analyses.empty()) out.push_back(make_analyses(ground_truth, analyses, options));
  return out;
}

std::vector<std::unique_ptr<Evaluator>> make_evaluators(const RunConfig& cfg, const Dataset& ground_truth,
                                                        const EvaluatorOptions& base) {
  return make_evaluators(cfg.metrics, cfg.analyses, ground_truth, evaluator_options(cfg, base));
}

}  // namespace ds
