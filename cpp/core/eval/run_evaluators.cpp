#include "core/eval/run_evaluators.hpp"

namespace ds {

EvaluatorOptions evaluator_options(const RunConfig& cfg, EvaluatorOptions base) {
  base.analysis_iou = cfg.analysis_iou;
  base.calibration_bins = cfg.calibration_bins;
  base.calibration_iou = cfg.calibration_iou;
  base.f_beta = cfg.f_beta;
  base.slices = cfg.slices;
  base.score_threshold = cfg.score_threshold;
  base.boundary_dilation_ratio = cfg.boundary_dilation_ratio;
  base.keypoint_sigmas = cfg.keypoint_sigmas;
  base.tracked = cfg.tracker.has_value();
  if (!cfg.metrics.empty()) base.analysis_matching = evaluator_matching(cfg.metrics.front());
  return base;
}

std::vector<std::unique_ptr<Evaluator>> make_evaluators(std::span<const std::string> metrics,
                                                        std::span<const std::string> analyses,
                                                        const Dataset& ground_truth, EvaluatorOptions options) {
  // The analyses explain the run's first metric, so they compare what it compares.
  if (!metrics.empty()) options.analysis_matching = evaluator_matching(metrics.front());
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
