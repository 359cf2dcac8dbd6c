#pragma once
// The analyses (score thresholds, confusion, TIDE, per image) are evaluators like COCO and VOC:
// they keep what the loop hands them and look at it all at the end.
#include "core/eval/analysis/image_boxes.hpp"
#include "core/eval/evaluator.hpp"

namespace ds::analysis {

class AnalysisEvaluator : public Evaluator {
 public:
  AnalysisEvaluator(const Dataset& ground_truth, const EvaluatorOptions& options)
      : gt_(ground_truth), options_(options) {}
  void reset() override { seen_.clear(); }
  void process(const Image& image, std::span<const Detection> detections) override {
    seen_.add(image, detections);
  }
  Metrics evaluate() override { return analyse(image_boxes(gt_, seen_.image_ids, seen_.detections)); }
  Metrics evaluate_all(std::span<const Detection> detections) override {
    return analyse(image_boxes(gt_, all_image_ids(gt_), detections));
  }

 protected:
  virtual Metrics analyse(const std::vector<ImageBoxes>& images) const = 0;
  const Dataset& gt_;
  const EvaluatorOptions options_;

 private:
  ProcessedImages seen_;
};

}  // namespace ds::analysis
