#pragma once
// `render`'s pictures: each dataset frame drawn as the viewer draws it (truth against
// detections, TP/FP/FN), written as an image file under the output folder.
#include <filesystem>
#include <optional>
#include <string>

#include "pipeline/ground_truth.hpp"
#include "pipeline/sink.hpp"
#include "vision/trails.hpp"

namespace ds::pipeline {

struct RenderOptions {
  std::filesystem::path output;
  std::string extension = ".png";
  double score_threshold = 0.5;
  bool errors_only = false;
  analysis::Overlap overlap;  // TP/FP/FN by box IoU, mask IoU or OKS (ready: frame_overlap)
  std::size_t count = 0;  // frames in the run (the status line's n/count)
  bool verbose = false;  // one line per picture on stderr
};

class RenderSink final : public Sink {
 public:
  RenderSink(const Dataset& dataset, std::map<std::string, std::string> class_map, RenderOptions options);
  std::string_view stage() const override { return "drawing"; }
  Control consume(const Result& result) override;

  std::size_t written = 0, true_positives = 0, false_positives = 0, missed = 0;

 private:
  GroundTruth truth_;
  MappingCache mappings_;
  RenderOptions options_;
  std::optional<std::string> sequence_;  // the last frame's sequence: trails start again at a new one
  vision::TrailHistory truth_trails_{vision::TrailHistory::kDefaultLength, true};
  vision::TrailHistory detection_trails_;
};

}  // namespace ds::pipeline
