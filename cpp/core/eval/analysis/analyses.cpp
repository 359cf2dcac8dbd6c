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
};

// The one place analyses are registered, in the order they appear in metrics.json.
constexpr Entry kAnalyses[] = {
    {"thresholds", thresholds_analysis},
    {"confusion", confusion_analysis},
    {"tide", tide_analysis},
    {"per_image", per_image_analysis},
    {"calibration", calibration_analysis, false},
    {"f_scores", f_scores_analysis, false},
    {"label_errors", label_errors_analysis, false},
};

class AnalysesEvaluator final : public Evaluator {
 public:
  AnalysesEvaluator(const Dataset& gt, std::vector<const Entry*> wanted, const EvaluatorOptions& options)
      : gt_(gt), wanted_(std::move(wanted)), options_(options) {}
  void reset() override { seen_.clear(); }
  void process(const Image& image, std::span<const Detection> detections) override { seen_.add(image, detections); }
  Metrics evaluate() override {
    return analyse(image_boxes(gt_, seen_.image_ids, seen_.detections, overlap()), seen_.detections, seen_.image_ids);
  }
  Metrics evaluate_all(std::span<const Detection> detections) override {
    const std::vector<std::int64_t> ids = all_image_ids(gt_);
    return analyse(image_boxes(gt_, ids, detections, overlap()), detections, ids);
  }

 private:
  Metrics analyse(const std::vector<ImageBoxes>& images, std::span<const Detection> detections,
                  std::span<const std::int64_t> image_ids) const {
    // One matching at the analyses' IoU for thresholds and per_image (TIDE and the confusion
    // matrix match by rules of their own, on the same IoUs).
    const std::vector<ImageMatch> matches = match_images(images, options_.analysis_iou);
    const std::vector<std::uint32_t> by_score = detections_by_score(images);
    const Thresholds thresholds = score_thresholds(gt_, images, matches, by_score, options_.analysis_iou);
    const AnalysisContext context{gt_, images, options_, thresholds,
                                  options_.score_threshold.value_or(best_f1_score(thresholds)),
                                  Overlap::of(options_).name(), detections, image_ids, matches, by_score};
    // Each analysis on a thread of its own (they only read the context; TIDE is the longest):
    // the COCO metric beside them is done sooner than they are.
    std::vector<std::future<Metrics>> running;
    for (const Entry* e : wanted_) running.push_back(std::async(std::launch::async, e->run, std::cref(context)));
    Metrics all;
    for (std::future<Metrics>& r : running) {
      Metrics m = r.get();
      all.text += m.text;
      for (auto& f : m.json_fields) all.json_fields.push_back(std::move(f));
      for (auto& s : m.sections) all.sections.push_back(std::move(s));
    }
    return all;
  }

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

std::unique_ptr<Evaluator> make_analyses(const Dataset& ground_truth, std::span<const std::string> names,
                                         const EvaluatorOptions& options) {
  std::vector<const analysis::Entry*> wanted;
  for (const analysis::Entry& e : analysis::kAnalyses)
    if (std::find(names.begin(), names.end(), e.name) != names.end()) wanted.push_back(&e);
  for (const std::string& n : names)
    if (std::none_of(std::begin(analysis::kAnalyses), std::end(analysis::kAnalyses),
                     [&](const analysis::Entry& e) { return e.name == n; }))
      throw Error("unknown analysis '" + n + "'");
  return std::make_unique<analysis::AnalysesEvaluator>(ground_truth, std::move(wanted), options);
}

}  // namespace ds
