#pragma once
// LVIS metrics (lvis-api 0.5.3's LVISEval, bbox or segm) behind the Evaluator interface: the
// summary and per-class text, metrics.json's "lvis" / "lvis_segm" object and its description.
#include "core/eval/evaluator.hpp"
#include "core/eval/lvis/evaluate.hpp"

namespace ds::lvis {

class LvisEvaluator final : public Evaluator {
 public:
  LvisEvaluator(const Dataset& ground_truth, const EvaluatorOptions& options, coco::IouType type);
  void reset() override;
  void process(const Image& image, std::span<const Detection> detections) override;
  Metrics evaluate() override;
  Metrics evaluate_all(std::span<const Detection> detections) override;

 private:
  Metrics metrics(const Result& r) const;
  const Dataset& gt_;
  EvaluatorOptions options_;
  coco::IouType type_;
  ProcessedImages seen_;
};

}  // namespace ds::lvis
