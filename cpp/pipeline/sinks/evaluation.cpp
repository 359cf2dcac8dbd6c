#include "pipeline/sinks/evaluation.hpp"

#include <future>

#include "core/util/error.hpp"

namespace ds::pipeline {

EvaluationSink::EvaluationSink(std::vector<std::unique_ptr<Evaluator>> evaluators, ClassMapping mapping)
    : evaluators_(std::move(evaluators)), mapping_(std::move(mapping)) {}

Control EvaluationSink::consume(const Result& r) {
  if (!r.frame.image) throw Error("internal: scoring needs dataset frames");
  add(*r.frame.image, host::to_detections(r.frame.image->id, r.detections, mapping_, dropped_));
  return Control::kContinue;
}

void EvaluationSink::add(const Image& image, std::span<const Detection> dets) {
  for (const auto& e : evaluators_) e->process(image, dets);
  all_.insert(all_.end(), dets.begin(), dets.end());
  image_ids_.push_back(image.id);
}

std::vector<Metrics> EvaluationSink::evaluate() {
  // Side by side: each evaluator has its own copy of what it was given.
  std::vector<std::future<Metrics>> running;
  for (const auto& e : evaluators_) running.push_back(std::async(std::launch::async, [&e] { return e->evaluate(); }));
  std::vector<Metrics> out;
  for (auto& r : running) out.push_back(r.get());
  return out;
}

std::vector<std::optional<std::string>> EvaluationSink::match_records() {
  std::vector<std::optional<std::string>> out;
  for (const auto& e : evaluators_) out.push_back(e->match_records());
  return out;
}

}  // namespace ds::pipeline
