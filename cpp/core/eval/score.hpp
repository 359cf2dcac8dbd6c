#pragma once
// `score`'s evaluation, shared by the command (app/commands/score.cpp) and the Python API
// (ds.score through the bindings): checks on the detections against the ground truth, the run's
// evaluators side by side over every image, and metrics.json's document.
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/eval/evaluator.hpp"

namespace ds {

using JsonFields = std::vector<std::pair<std::string, std::string>>;  // key -> rendered JSON

// The metric an iou type scores ("bbox": "coco", else "coco_<type>"); throws ds::Error for an
// unknown type.
std::string metric_for_iou_type(std::string_view iou_type);

// What score checks before evaluating: results present, on images of the ground truth, keypoints
// fitting their category. `results_label` names the results in messages.
void check_score_inputs(const Dataset& gt, std::span<const Detection> dts, const std::string& results_label,
                        bool keypoints);

// The evaluators of `metrics` and `analyses` (run_evaluators' make_evaluators), side by side,
// over every image of `gt`.
std::vector<Metrics> score_metrics(const Dataset& gt, std::span<const Detection> dts,
                                   std::span<const std::string> metrics, std::span<const std::string> analyses,
                                   const EvaluatorOptions& options);

// The facts score writes first in metrics.json.
JsonFields score_facts(const std::string& ground_truth, const std::string& results, std::size_t images,
                       std::size_t detections);

// metrics.json: one object, run facts first, then every evaluator's fields, then "schema".
std::string metrics_document(const JsonFields& run_facts, const std::vector<Metrics>& metrics);

// All of the above for inputs already read: metrics.json's text and what score prints.
struct ScoreDocument {
  std::string metrics_json;
  std::string text;
};
ScoreDocument score_document(const Dataset& gt, std::span<const Detection> dts, std::span<const std::string> metrics,
                             std::span<const std::string> analyses, const EvaluatorOptions& options,
                             const std::string& ground_truth_label, const std::string& results_label);

}  // namespace ds
