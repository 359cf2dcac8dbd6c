#pragma once
// The Open Images challenge detection metric behind the Evaluator interface ("openimages"), and
// its report: mAP, each class's AP by LabelName, a per-class table.
#include "core/eval/evaluator.hpp"
#include "core/eval/openimages/evaluate.hpp"

namespace ds::openimages {

Metrics openimages_metrics(const Result& result);

class OpenImagesEvaluator final : public ScoredAtEnd<Params> {
 public:
  OpenImagesEvaluator(const Dataset& ground_truth, const EvaluatorOptions& options);

 private:
  Metrics score(std::span<const Detection> detections, const Params& params) const override;
  const Dataset& gt_;
};

}  // namespace ds::openimages
