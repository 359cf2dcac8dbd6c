#pragma once
// COCO bbox metrics behind the Evaluator interface, and the report (text and metrics.json
// fields) that both `evaluate` and `score` print.
#include <vector>

#include "core/eval/coco/evaluate.hpp"
#include "core/eval/evaluator.hpp"
#include "core/eval/slices/slice_rules.hpp"

namespace ds::coco {

// The summary table, per-class table and metrics.json fields for a finished evaluation.
Metrics coco_metrics(const EvalResult& result, const Dataset& ground_truth,
                     std::span<const Detection> detections);
// The same with each category's (position in params.cat_ids) detections counted already.
Metrics coco_metrics(const EvalResult& result, const Dataset& ground_truth, std::span<const std::size_t> dt_count);

class CocoEvaluator final : public Evaluator {
 public:
  CocoEvaluator(const Dataset& ground_truth, const EvaluatorOptions& options,
                Params params = Params::defaults());
  void reset() override;
  void process(const Image& image, std::span<const Detection> detections) override;
  Metrics evaluate() override;
  Metrics evaluate_all(std::span<const Detection> detections) override;
  // Without slices (they need each image's matches) and duplicate annotation ids (pycocotools
  // then swaps annotations across images, so a shard's matching is not its part of the run's).
  std::optional<std::string> match_records() override;
  Metrics evaluate_records(std::span<const std::filesystem::path> files,
                           std::span<const std::int64_t> image_ids) override;

 private:
  const Dataset& gt_;
  EvaluatorOptions options_;
  Params params_;
  ProcessedImages seen_;
  std::vector<slices::ImageSlice> slices_;  // options.slices resolved: their images
};

}  // namespace ds::coco
