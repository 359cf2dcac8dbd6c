#pragma once
// True positives, false positives and missed ground truth per image at one score cut (the
// matching of `thresholds`), and the images with the most errors: where to look first.
#include <string>
#include <vector>

#include "core/eval/analysis/image_boxes.hpp"
#include "core/eval/evaluator.hpp"

namespace ds::analysis {

struct ImageErrors {
  std::int64_t image_id = 0;
  std::string file_name;
  std::int64_t frame = -1;
  std::size_t tp = 0, fp = 0, fn = 0;
};

// Detections of a category the dataset does not have are left out (as thresholds and the
// confusion matrix leave them out).
std::vector<ImageErrors> per_image_errors(const Dataset& gt, const std::vector<ImageBoxes>& images, double iou,
                                          double score_threshold);
// The same from the images' matching at `iou` at every score (match_images): the detections
// under the cut are the last the matching met, so leaving them out changes nothing before.
// A negative cut (below the matching's 0) takes the path above.
std::vector<ImageErrors> per_image_errors(const Dataset& gt, const std::vector<ImageBoxes>& images,
                                          std::span<const ImageMatch> matches, double iou, double score_threshold);
// Positions in `errors` of the `n` images with the most errors (fp + fn; at least one), most first.
std::vector<std::size_t> worst_images(const std::vector<ImageErrors>& errors, std::size_t n);

// The images a report shows first, at the cut per_image uses (options.score_threshold, else the
// best-F1 score).
struct WorstImages {
  double score_threshold = 0;
  std::vector<std::int64_t> image_ids;
};
WorstImages find_worst_images(const Dataset& gt, std::span<const std::int64_t> image_ids,
                              std::span<const Detection> detections, const EvaluatorOptions& options);

struct AnalysisContext;
Metrics per_image_analysis(const AnalysisContext& context);

}  // namespace ds::analysis
