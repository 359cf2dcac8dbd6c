#pragma once
// The analyses (score thresholds, confusion, TIDE, per image) run as one evaluator: it keeps
// the detections the loop hands it once, groups them by image once, and each analysis reads
// that. A new analysis is a file with one function and a line in analyses.cpp.
#include <optional>
#include <span>

#include "core/eval/analysis/image_boxes.hpp"
#include "core/eval/analysis/thresholds.hpp"
#include "core/eval/evaluator.hpp"

namespace ds::analysis {

struct AnalysisContext {
  const Dataset& gt;
  const std::vector<ImageBoxes>& images;
  const EvaluatorOptions& options;
  const Thresholds& thresholds;  // at options.analysis_iou
  double score_cut;              // options.score_threshold, else the overall best-F1 score
  const char* matched_by;        // "box IoU", "mask IoU": what the analyses' IoU is, for people
  // What the run scored, for the analyses that redo COCO's evaluation (calibration, f_scores):
  // every detection, and the images scored (in order; all of the dataset's for `score`).
  std::span<const Detection> detections;
  std::span<const std::int64_t> image_ids;
  // Each image's matching at options.analysis_iou, every score: thresholds' and per_image's.
  std::span<const ImageMatch> matches;
  std::span<const std::uint32_t> by_score;  // detections_by_score(images)
};

// The analyses `names` (analysis_names(); checked) over images paired without a list of every
// detection (ImageBoxesBuilder, from a stream): what the analyses evaluator runs at its end.
// The analyses that read every detection (analysis_reads_detections) throw ds::Error here.
// options.analysis_matching must be the matching the images were paired by.
Metrics run_analyses(const Dataset& gt, const std::vector<ImageBoxes>& images, std::span<const std::string> names,
                     const EvaluatorOptions& options);

}  // namespace ds::analysis
