#pragma once
// The one interface every metric implements (after detectron2's DatasetEvaluator): the
// evaluation loop feeds it images and detections and knows nothing about COCO or VOC.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/eval/description.hpp"
#include "core/util/error.hpp"

namespace ds {

namespace slices {
struct SliceSpecs;
}

struct Metrics {
  std::string text;  // for people: tables printed at the end of a run
  // Fields of metrics.json: key and its already rendered JSON value.
  std::vector<std::pair<std::string, std::string>> json_fields;
  // What the fields are (core/eval/description.hpp): metrics.json's "schema", and the numbers
  // with their descriptions for compare's tables.
  std::vector<Section> sections;
};

// What process() hands an evaluator that scores everything at the end: the images seen (only
// they count, so a run with --limit scores what it ran on) and their detections.
struct ProcessedImages {
  std::vector<std::int64_t> image_ids;
  std::vector<Detection> detections;

  void clear() {
    image_ids.clear();
    detections.clear();
  }
  void add(const Image& image, std::span<const Detection> dets) {
    image_ids.push_back(image.id);
    detections.insert(detections.end(), dets.begin(), dets.end());
  }
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  virtual void reset() = 0;
  // `detections` are everything the model found on `image` (an image of the dataset).
  virtual void process(const Image& image, std::span<const Detection> detections) = 0;
  // Scores everything processed since reset().
  virtual Metrics evaluate() = 0;
  // Scores `detections` over every image of the ground truth at once (`score`): the same as
  // process() for each image and evaluate(), without regrouping and copying the detections.
  virtual Metrics evaluate_all(std::span<const Detection> detections) = 0;

  // Shards (evaluate --shard, merge): a metric that scores from compact match records
  // (core/eval/coco/match_records) gives those of the images processed; none: it cannot, and
  // merge scores it from the shards' detections.
  virtual std::optional<std::string> match_records() { return std::nullopt; }
  // Scores the records of every shard (files: what match_records gave, one per shard) as one
  // run over `image_ids`, the images scored. Only where match_records gives records.
  virtual Metrics evaluate_records(std::span<const std::filesystem::path> files,
                                   std::span<const std::int64_t> image_ids) {
    (void)image_ids;
    throw Error((files.empty() ? std::string("merge") : files.front().string()) +
                ": this metric scores from detections, not match records");
  }
};

// An evaluator that scores everything at the end (VOC, Open Images): process() only collects,
// and score() runs the metric over the images seen (params.img_ids set to them: a --limit run
// scores what it ran on) or, from evaluate_all, over every image of the ground truth.
template <class Params>
class ScoredAtEnd : public Evaluator {
 public:
  void reset() override { seen_.clear(); }
  void process(const Image& image, std::span<const Detection> detections) override { seen_.add(image, detections); }
  Metrics evaluate() override {
    Params p = params_;
    p.img_ids = seen_.image_ids;
    return score(seen_.detections, p);
  }
  Metrics evaluate_all(std::span<const Detection> detections) override { return score(detections, params_); }

 protected:
  virtual Metrics score(std::span<const Detection> detections, const Params& params) const = 0;
  Params params_;

 private:
  ProcessedImages seen_;
};

// What a metric compares detections and ground truth by; the analyses compare the same.
enum class Matching { kBox, kMask, kBoundary, kKeypoints };

// OKS sigmas for one category, by name (a run config's `sigmas:`); `where` locates the entry
// for messages ("run.yaml:7: sigmas.hand").
struct CategorySigmas {
  std::string category;
  std::vector<double> sigmas;
  std::string where;
};

struct EvaluatorOptions {
  int threads = 0;  // 0: one per core
  // The analyses (thresholds, confusion, per_image): the IoU a detection must reach to count,
  // and the score cut of the confusion matrix and per-image counts (none: the best-F1 score).
  double analysis_iou = 0.5;
  std::optional<double> score_threshold;
  std::size_t worst_images = 12;  // per_image lists this many images with the most errors
  // What the analyses match by: the run's first metric's own matching (masks for segm).
  Matching analysis_matching = Matching::kBox;
  double boundary_dilation_ratio = 0.02;  // coco_boundary: the boundary's width / image diagonal
  // coco_keypoints: sigmas of categories that do not use COCO's 17 person keypoints.
  std::vector<CategorySigmas> keypoint_sigmas;
  // calibration: how many equal-width confidence bins, and the IoU at which a detection is
  // right (COCO's matching at that one threshold).
  std::size_t calibration_bins = 10;
  double calibration_iou = 0.5;
  // f_scores: F-beta's beta (1: F1; below 1 favours precision, above 1 recall).
  double f_beta = 1.0;
  // The COCO metrics over slices of the images as well (score --slices, a run config's
  // `slices:`); resolved against the ground truth when the evaluator is made. Null: none.
  std::shared_ptr<const slices::SliceSpecs> slices;
  // The run has a tracker (a run config's `tracker:`): the tracking metric scores its output, the
  // detections it gave a track id, and leaves the others out (otherwise untracked detections are
  // an error: there was no tracker).
  bool tracked = false;
};

// The metrics a run config or `score --metric` may name; "coco" is the default.
std::vector<std::string_view> evaluator_names();
// Whether the metric scores masks (coco_segm, coco_boundary): the ground truth and results must
// then be read with their segmentations. (Keypoints are always read.)
bool evaluator_reads_masks(std::string_view name);
// What the metric matches by (box IoU for an unknown name).
Matching evaluator_matching(std::string_view name);
// The analyses (thresholds, confusion, tide, per_image): evaluate and score run them beside
// the metrics unless told not to, as one evaluator (core/eval/analysis/analyses.cpp).
std::vector<std::string_view> analysis_names();
// The analyses a run has when it names none: those that reuse the analyses' one matching
// (calibration and f_scores redo COCO's evaluation, so they are asked for by name).
std::vector<std::string_view> default_analysis_names();
// Whether the analysis reads every detection of the run, not only each image's highest scoring
// paired with its ground truth (calibration, f_scores, label_errors): a streamed score cannot
// run it. False for an unknown name.
bool analysis_reads_detections(std::string_view name);
// Throws ds::Error for an unknown name. `ground_truth` must outlive the evaluator.
std::unique_ptr<Evaluator> make_evaluator(std::string_view name, const Dataset& ground_truth,
                                          const EvaluatorOptions& options = {});
// The analyses `names` (a subset of analysis_names()) as one evaluator. Throws for an unknown name.
std::unique_ptr<Evaluator> make_analyses(const Dataset& ground_truth, std::span<const std::string> names,
                                         const EvaluatorOptions& options = {});

}  // namespace ds
