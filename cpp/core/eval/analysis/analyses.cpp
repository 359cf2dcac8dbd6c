#include "core/eval/analysis/analyses.hpp"

#include <algorithm>
#include <functional>
#include <future>

#include "core/eval/analysis/calibration.hpp"
#include "core/eval/analysis/confusion.hpp"
#include "core/eval/analysis/f_scores.hpp"
#include "core/eval/analysis/label_errors.hpp"
#include "core/eval/analysis/per_image.hpp"
#include "core/eval/analysis/tide.hpp"
#include "core/util/error.hpp"

namespace ds {
namespace analysis {
namespace {

struct Entry {
  std::string_view name;
  Metrics (*run)(const AnalysisContext&);
  // Run when none are named. calibration, f_scores and label_errors are not: they redo COCO's
  // matching at every image and class, which would slow the default `score` down.
  bool by_default = true;
  // Reads AnalysisContext::detections (every detection), which a streamed score has not kept.
  bool reads_detections = false;
};

// The one place analyses are registered, in the order they appear in metrics.json.
constexpr Entry kAnalyses[] = {
    {"thresholds", thresholds_analysis},
    {"confusion", confusion_analysis},
    {"tide", tide_analysis},
    {"per_image", per_image_analysis},
    {"calibration", calibration_analysis, false, true},
    {"f_scores", f_scores_analysis, false, true},
    {"label_errors", label_errors_analysis, false, true},
};

// The entries `names` gives, in registry order; throws for an unknown name.
std::vector<const Entry*> entries(std::span<const std::string> names) {
  std::vector<const Entry*> wanted;
  for (const Entry& e : kAnalyses)
    if (std::find(names.begin(), names.end(), e.name) != names.end()) wanted.push_back(&e);
  for (const std::string& n : names)
    if (std::none_of(std::begin(kAnalyses), std::end(kAnalyses), [&](const Entry& e) { return e.name == n; }))
      throw Error("unknown analysis '" + n + "'");
  return wanted;
}

// `detections` and `image_ids`: every detection scored and the images scored (in order), for
// the analyses that redo COCO's matching.
Metrics analyse(const Dataset& gt, const std::vector<ImageBoxes>& images, std::span<const Entry* const> wanted,
                const EvaluatorOptions& options, std::span<const Detection> detections,
                std::span<const std::int64_t> image_ids) {
  // One matching at the analyses' IoU for thresholds and per_image (TIDE and the confusion
  // matrix match by rules of their own, on the same IoUs).
  // The score order sorts beside the matching.
  auto sorting = std::async(std::launch::async, [&] { return detections_by_score(images); });
  const std::vector<ImageMatch> matches = match_images(images, options.analysis_iou);
  const std::vector<std::uint32_t> by_score = sorting.get();
  const Thresholds thresholds = score_thresholds(gt, images, matches, by_score, options.analysis_iou);
  const AnalysisContext context{gt, images, options, thresholds,
                                options.score_threshold.value_or(best_f1_score(thresholds)),
                                Overlap::of(options).name(), detections, image_ids, matches, by_score};
  // Each analysis on a thread of its own (they only read the context; TIDE is the longest):
  // the COCO metric beside them is done sooner than they are.
  std::vector<std::future<Metrics>> running;
  for (const Entry* e : wanted) running.push_back(std::async(std::launch::async, e->run, std::cref(context)));
  Metrics all;
  for (std::future<Metrics>& r : running) {
    Metrics m = r.get();
    all.text += m.text;
    for (auto& f : m.json_fields) all.json_fields.push_back(std::move(f));
    for (auto& s : m.sections) all.sections.push_back(std::move(s));
  }
  return all;
}

class AnalysesEvaluator final : public Evaluator {
 public:
  AnalysesEvaluator(const Dataset& gt, std::vector<const Entry*> wanted, const EvaluatorOptions& options)
      : gt_(gt), wanted_(std::move(wanted)), options_(options) {}
  void reset() override { seen_.clear(); }
  void process(const Image& image, std::span<const Detection> detections) override { seen_.add(image, detections); }
  Metrics evaluate() override {
    return analyse(gt_, image_boxes(gt_, seen_.image_ids, seen_.detections, overlap()), wanted_, options_,
                   seen_.detections, seen_.image_ids);
  }
  Metrics evaluate_all(std::span<const Detection> detections) override {
    const std::vector<std::int64_t> ids = all_image_ids(gt_);
    return analyse(gt_, image_boxes(gt_, ids, detections, overlap()), wanted_, options_, detections, ids);
  }

 private:
  Overlap overlap() const { return Overlap::of(options_); }

  const Dataset& gt_;
  const std::vector<const Entry*> wanted_;
  const EvaluatorOptions options_;
  ProcessedImages seen_;
};

}  // namespace
}  // namespace analysis

std::vector<std::string_view> analysis_names() {
  std::vector<std::string_view> out;
  for (const analysis::Entry& e : analysis::kAnalyses) out.push_back(e.name);
  return out;
}

std::vector<std::string_view> default_analysis_names() {
  std::vector<std::string_view> out;
  for (const analysis::Entry& e : analysis::kAnalyses)
    if (e.by_default) out.push_back(e.name);
  return out;
}

bool analysis_reads_detections(std::string_view name) {
  for (const analysis::Entry& e : analysis::kAnalyses)
    if (e.name == name) return e.reads_detections;
  return false;
}

std::unique_ptr<Evaluator> make_analyses(const Dataset& ground_truth, std::span<const std::string> names,
                                         const EvaluatorOptions& options) {
  return std::make_unique<analysis::AnalysesEvaluator>(ground_truth, analysis::entries(names), options);
}

namespace analysis {

Metrics run_analyses(const Dataset& gt, const std::vector<ImageBoxes>& images, std::span<const std::string> names,
                     const EvaluatorOptions& options) {
  const std::vector<const Entry*> wanted = entries(names);
  for (const Entry* e : wanted)
    if (e->reads_detections)
      throw Error("the " + std::string(e->name) + " analysis needs every detection of the run, not a stream of them");
  return analyse(gt, images, wanted, options, {}, {});
}

}  // namespace analysis
}  // namespace ds
