#include "core/eval/score.hpp"

#include <algorithm>
#include <future>

#include "core/eval/coco/results.hpp"
#include "core/eval/run_evaluators.hpp"
#include "core/util/error.hpp"
#include "core/util/json_writer.hpp"

namespace ds {

std::string metric_for_iou_type(std::string_view iou_type) {
  if (iou_type == "bbox") return "coco";
  if (iou_type == "segm" || iou_type == "boundary" || iou_type == "keypoints") return "coco_" + std::string(iou_type);
  throw Error("iou_type: unknown type '" + std::string(iou_type) + "' (bbox, segm, boundary, keypoints)");
}

void check_score_inputs(const Dataset& gt, std::span<const Detection> dts, const std::string& results_label,
                        bool keypoints) {
  if (dts.empty()) throw Error(results_label + ": no detections (the results file is an empty list)");
  coco::check_result_images(gt, dts, results_label);
  if (keypoints) coco::check_result_keypoints(gt, dts, results_label);
}

std::vector<Metrics> score_metrics(const Dataset& gt, std::span<const Detection> dts,
                                   std::span<const std::string> metrics, std::span<const std::string> analyses,
                                   const EvaluatorOptions& options) {
  std::vector<Metrics> out;
  // Side by side: the evaluators only read the ground truth and the detections.
  const std::vector<std::unique_ptr<Evaluator>> evaluators = make_evaluators(metrics, analyses, gt, options);
  std::vector<std::future<Metrics>> running;
  for (const auto& e : evaluators)
    running.push_back(std::async(std::launch::async, [&e, dts] { return e->evaluate_all(dts); }));
  for (auto& r : running) out.push_back(r.get());
  return out;
}

JsonFields score_facts(const std::string& ground_truth, const std::string& results, std::size_t images,
                       std::size_t detections) {
  std::string gt_json, dt_json;
  append_json_string(gt_json, ground_truth);
  append_json_string(dt_json, results);
  return {{"ground_truth", gt_json},
          {"results", dt_json},
          {"images", std::to_string(images)},
          {"detections", std::to_string(detections)}};
}

std::string metrics_document(const JsonFields& run_facts, const std::vector<Metrics>& metrics) {
  JsonWriter w(1);
  w.begin_object();
  for (const auto& [k, v] : run_facts) w.key(k).raw(v);
  std::vector<const Section*> sections;
  for (const Metrics& m : metrics) {
    for (const auto& [k, v] : m.json_fields) w.key(k).raw(v);
    for (const Section& s : m.sections) sections.push_back(&s);
  }
  // What every field above is: the report, compare and the Python API render from it.
  w.key("schema").raw(schema_json(sections));
  w.end_object();
  return w.take() + "\n";
}

ScoreDocument score_document(const Dataset& gt, std::span<const Detection> dts, std::span<const std::string> metrics,
                             std::span<const std::string> analyses, const EvaluatorOptions& options,
                             const std::string& ground_truth_label, const std::string& results_label) {
  const bool keypoints = std::find(metrics.begin(), metrics.end(), "coco_keypoints") != metrics.end();
  check_score_inputs(gt, dts, results_label, keypoints);
  const std::vector<Metrics> scored = score_metrics(gt, dts, metrics, analyses, options);
  ScoreDocument out;
  out.metrics_json = metrics_document(score_facts(ground_truth_label, results_label, gt.images.size(), dts.size()), scored);
  for (const Metrics& m : scored) out.text += m.text;
  return out;
}

}  // namespace ds
