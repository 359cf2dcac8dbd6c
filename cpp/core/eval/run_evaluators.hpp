#pragma once
// The one place a run's evaluators are built: its metrics, then its analyses as one evaluator.
// evaluate, compare, merge and score all call it, so a new metric or option reaches each.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config/run_config.hpp"
#include "core/eval/evaluator.hpp"

namespace ds {

// The options a run config sets (analysis IoU, score cut) on top of `base`.
EvaluatorOptions evaluator_options(const RunConfig& cfg, EvaluatorOptions base = {});

// `metrics` (evaluator_names()) and `analyses` (analysis_names(); none: no analyses evaluator).
// The analyses match what the first metric matches (masks when it scores masks). Throws
// ds::Error for an unknown name. `ground_truth` must outlive the evaluators.
std::vector<std::unique_ptr<Evaluator>> make_evaluators(std::span<const std::string> metrics,
                                                        std::span<const std::string> analyses,
                                                        const Dataset& ground_truth, EvaluatorOptions options);
std::vector<std::unique_ptr<Evaluator>> make_evaluators(const RunConfig& cfg, const Dataset& ground_truth,
                                                        const EvaluatorOptions& base = {});

}  // namespace ds
