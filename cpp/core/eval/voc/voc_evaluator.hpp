#pragma once
// Pascal VOC AP behind the Evaluator interface ("voc": all-point, "voc07": 11-point), and its
// report: a per-class table and a metrics.json field named after the metric.
#include <vector>

#include "core/eval/evaluator.hpp"
#include "core/eval/voc/evaluate.hpp"

namespace ds::voc {

Metrics voc_metrics(const Result& result);

class VocEvaluator final : public Evaluator {
 public:
  VocEvaluator(const Dataset& ground_truth, Interpolation interpolation);
  void reset() override;
  void process(const Image& image, std::span<const Detection> detections) override;
  Metrics evaluate() override;
  Metrics evaluate_all(std::span<const Detection> detections) override;

 private:
  const Dataset& gt_;
  Params params_;
  ProcessedImages seen_;
};

}  // namespace ds::voc
