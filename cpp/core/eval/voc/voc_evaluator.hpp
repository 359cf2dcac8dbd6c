#pragma once
// Pascal VOC AP behind the Evaluator interface ("voc": all-point, "voc07": 11-point), and its
// report: a per-class table and a metrics.json field named after the metric.
#include <vector>

#include "core/eval/evaluator.hpp"
#include "core/eval/voc/evaluate.hpp"

namespace ds::voc {

Metrics voc_metrics(const Result& result);

class VocEvaluator final : public ScoredAtEnd<Params> {
 public:
  VocEvaluator(const Dataset& ground_truth, Interpolation interpolation);

 private:
  Metrics score(std::span<const Detection> detections, const Params& params) const override;
  const Dataset& gt_;
};

}  // namespace ds::voc
