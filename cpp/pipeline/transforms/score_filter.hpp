#pragma once
// --score-threshold / a run's score cut: detections scoring below it never reach a sink.
#include "pipeline/transform.hpp"

namespace ds::pipeline {

class ScoreFilter final : public Transform {
 public:
  explicit ScoreFilter(double threshold) : threshold_(threshold) {}
  std::string_view stage() const override { return "post"; }
  void apply(const Frame&, std::vector<host::RawDetection>& detections) override {
    std::erase_if(detections, [&](const host::RawDetection& d) { return d.score < threshold_; });
  }

 private:
  double threshold_;
};

}  // namespace ds::pipeline
