#pragma once
// Scores detections on dataset frames with every evaluator of the run (COCO, VOC, ...) and
// keeps them for detections.json.
#include <memory>
#include <vector>

#include "core/classes/class_map.hpp"
#include "core/eval/evaluator.hpp"
#include "pipeline/sink.hpp"

namespace ds::pipeline {

class EvaluationSink final : public Sink {
 public:
  EvaluationSink(std::vector<std::unique_ptr<Evaluator>> evaluators, ClassMapping mapping);
  std::string_view stage() const override { return "scoring"; }
  Control consume(const Result& result) override;
  void skipped(const Frame& frame) override {
    if (frame.image) skipped_ids_.push_back(frame.image->id);
  }

  // Results already known (a resumed run's journal): processed as if the model had run.
  void add(const Image& image, std::span<const Detection> detections);
  std::vector<Metrics> evaluate();
  // Each evaluator's compact match records of the images scored (evaluate --shard), in order.
  std::vector<std::optional<std::string>> match_records();
  const std::vector<Detection>& detections() const { return all_; }
  std::size_t images() const { return image_ids_.size(); }
  const std::vector<std::int64_t>& image_ids() const { return image_ids_; }  // scored, in order
  std::size_t dropped() const { return dropped_; }  // detections of classes with no category
  // Dataset images skipped as unreadable (not scored).
  std::vector<std::int64_t>& skipped_ids() { return skipped_ids_; }

 private:
  std::vector<std::unique_ptr<Evaluator>> evaluators_;
  ClassMapping mapping_;
  std::vector<Detection> all_;
  std::vector<std::int64_t> skipped_ids_;
  std::vector<std::int64_t> image_ids_;
  std::size_t dropped_ = 0;
};

}  // namespace ds::pipeline
