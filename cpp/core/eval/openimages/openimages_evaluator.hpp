#pragma once
// The Open Images challenge detection metric behind the Evaluator interface ("openimages"), and
// its report: mAP, each class's AP by LabelName, a per-class table.
#include "core/eval/evaluator.hpp"
#include "core/eval/openimages/evaluate.hpp"

namespace ds::openimages {

Metrics openimages_metrics(const Result& result);

class OpenImagesEvaluator final : public Evaluator {
 public:
  OpenImagesEvaluator(const Dataset& ground_truth, const EvaluatorOptions& options);
  void reset() override;
  void process(const Image& image, std::span<const Detection> detections) override;
  Metrics evaluate() override;
  Metrics evaluate_all(std::span<const Detection> detections) override;

 private:
  const Dataset& gt_;
  Params params_;
  ProcessedImages seen_;
};

}  // namespace ds::openimages
