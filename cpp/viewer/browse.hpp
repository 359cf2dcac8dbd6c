#pragma once
// What the desktop viewer shows, decided without Qt (so it is unit-tested on its own): which
// boxes of an image are shown under the user's filters and how they match, each image's
// TP/FP/FN and F1 for the image list, which images pass the list's filter, the metrics of the
// images shown, and which box is under the mouse. Depends on the core only.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/eval/image_match.hpp"

namespace ds::viewer {

// The panel's settings that change what is matched and drawn.
struct ShowOptions {
  double score_threshold = 0.5;
  double iou_threshold = 0.5;
  // Only these categories (empty optional: every category). An empty set shows nothing.
  std::optional<std::set<std::int64_t>> classes;
  bool show_crowd = true;  // crowd regions and the detections they absorb
  // Set: matching by mask IoU on an image of this size (pipeline::frame_match decides).
  std::optional<MatchOptions::MaskImage> masks;
  // Set: matching by OKS with these vars per category (pipeline::frame_match decides).
  const std::unordered_map<std::int64_t, std::vector<double>>* oks_vars = nullptr;
};

// One image's boxes as shown: the class filter applied before matching (matching is per class,
// so this equals filtering afterwards), crowd regions dropped after matching when hidden (they
// still absorb detections). `truth_index` / `detection_index` point back into the inputs.
struct Shown {
  std::vector<Annotation> truth;
  std::vector<Detection> detections;
  ImageMatch match;  // over `truth` and `detections`, same order
  std::vector<std::size_t> truth_index;
  std::vector<std::size_t> detection_index;
  // Matched by OKS with these vars (ShowOptions::oks_vars): the box panel says OKS, not IoU.
  const std::unordered_map<std::int64_t, std::vector<double>>* oks_vars = nullptr;
};

Shown shown_boxes(std::span<const Annotation> truth, std::span<const Detection> detections,
                  const ShowOptions& options);

// 2 TP / (2 TP + FP + FN); nothing to judge (no TP, FP or FN): none.
std::optional<double> f1_score(std::size_t tp, std::size_t fp, std::size_t fn);

// A row of the image list.
struct ImageRow {
  std::size_t index = 0;  // in the session
  std::string file_name;
  bool known = false;  // detections available (a model may not have run on it yet)
  std::size_t tp = 0, fp = 0, fn = 0;
  std::optional<double> f1;
  std::set<std::int64_t> classes;  // in its shown truth or shown detections
  // Likely label errors on the image (core/eval/analysis/label_errors: hotcoco's definitions, at
  // the panel's score and IoU thresholds, over all its boxes whatever the class filter).
  std::size_t label_errors = 0;
};

ImageRow image_row(std::size_t index, const std::string& file_name, const Shown& shown, bool known);

// How many likely label errors an image holds: analysis::label_errors over its ground truth and
// detections (every class, crowd regions as COCO treats them) at the options' score and IoU
// thresholds.
std::size_t label_error_count(std::span<const Annotation> truth, std::span<const Detection> detections,
                              const ShowOptions& options);

// kLabelErrors: images with a likely label error (ImageRow::label_errors), the list to fix.
enum class OutcomeFilter { kAll, kErrors, kFalsePositives, kMissed, kNoErrors, kLabelErrors };

struct ListFilter {
  OutcomeFilter outcome = OutcomeFilter::kAll;
  std::string text;  // case-insensitive part of the file name or of a class name present
};

// Whether a row is listed. Images whose detections are not known yet pass only kAll.
bool passes(const ImageRow& row, const ListFilter& filter, const std::vector<std::string>& class_names_present);

// The metrics of what is shown: summed over the listed images whose detections are known.
struct SubsetMetrics {
  std::size_t images = 0;   // listed
  std::size_t pending = 0;  // listed, detections not known yet (not counted below)
  std::size_t tp = 0, fp = 0, fn = 0;
  std::optional<double> precision, recall, f1;
};

SubsetMetrics subset_metrics(std::span<const ImageRow* const> rows);

// COCO's intersection over union of two boxes (no +1 pixel).
double box_iou(const Box& a, const Box& b);

// COCO's area ranges: small < 32^2 <= medium < 96^2 <= large.
std::string area_range(double area);

// A shown box under an image point: the smallest containing it (so nested boxes can be picked),
// detections before truth on a tie. None when the point is in no box.
struct Picked {
  bool detection = false;
  std::size_t index = 0;  // into Shown::detections or Shown::truth
};
std::optional<Picked> pick_box(const Shown& shown, double x, double y, bool truth_visible,
                               bool detections_visible);

// Lines describing a picked box: class, score, outcome, IoU (OKS when matched by keypoints) with
// its match, ground-truth id,
// area and its range, crowd/difficult flags.
std::string describe_box(const Shown& shown, const Picked& picked,
                         const std::function<std::string(std::int64_t)>& category_name);

}  // namespace ds::viewer
