// The one place metrics are registered: add a line here for a new evaluator.
#include "core/eval/coco/coco_evaluator.hpp"
#include "core/eval/coco/keypoint_sigmas.hpp"
#include "core/eval/evaluator.hpp"
#include "core/eval/lvis/lvis_evaluator.hpp"
#include "core/eval/tracking/tracking_evaluator.hpp"
#include "core/eval/openimages/openimages_evaluator.hpp"
#include "core/eval/voc/voc_evaluator.hpp"
#include "core/util/error.hpp"

namespace ds {
namespace {

struct Entry {
  std::string_view name;
  std::unique_ptr<Evaluator> (*make)(const Dataset&, const EvaluatorOptions&);
  bool masks = false;  // scores Annotation/Detection::segmentation (readers must keep them)
  Matching matching = Matching::kBox;
};

constexpr Entry kEvaluators[] = {
    {"coco", [](const Dataset& gt, const EvaluatorOptions& o) -> std::unique_ptr<Evaluator> {
       return std::make_unique<coco::CocoEvaluator>(gt, o);
     }},
    {"coco_segm", [](const Dataset& gt, const EvaluatorOptions& o) -> std::unique_ptr<Evaluator> {
       coco::Params p = coco::Params::defaults();
       p.iou_type = coco::IouType::kSegm;
       return std::make_unique<coco::CocoEvaluator>(gt, o, std::move(p));
     }, true, Matching::kMask},
    {"coco_boundary", [](const Dataset& gt, const EvaluatorOptions& o) -> std::unique_ptr<Evaluator> {
       coco::Params p = coco::Params::defaults();
       p.iou_type = coco::IouType::kBoundary;
       p.boundary_dilation_ratio = o.boundary_dilation_ratio;
       return std::make_unique<coco::CocoEvaluator>(gt, o, std::move(p));
     }, true, Matching::kBoundary},
    {"coco_keypoints", [](const Dataset& gt, const EvaluatorOptions& o) -> std::unique_ptr<Evaluator> {
       return std::make_unique<coco::CocoEvaluator>(gt, o, coco::keypoint_params(gt, o.keypoint_sigmas));
     }, false, Matching::kKeypoints},
    {"lvis", [](const Dataset& gt, const EvaluatorOptions& o) -> std::unique_ptr<Evaluator> {
       return std::make_unique<lvis::LvisEvaluator>(gt, o, coco::IouType::kBbox);
     }},
    {"lvis_segm", [](const Dataset& gt, const EvaluatorOptions& o) -> std::unique_ptr<Evaluator> {
       return std::make_unique<lvis::LvisEvaluator>(gt, o, coco::IouType::kSegm);
     }, true, Matching::kMask},
    {"voc", [](const Dataset& gt, const EvaluatorOptions&) -> std::unique_ptr<Evaluator> {
       return std::make_unique<voc::VocEvaluator>(gt, voc::Interpolation::kAllPoint);
     }},
    {"voc07", [](const Dataset& gt, const EvaluatorOptions&) -> std::unique_ptr<Evaluator> {
       return std::make_unique<voc::VocEvaluator>(gt, voc::Interpolation::kElevenPoint);
     }},
    {"openimages", [](const Dataset& gt, const EvaluatorOptions& o) -> std::unique_ptr<Evaluator> {
       return std::make_unique<openimages::OpenImagesEvaluator>(gt, o);
     }},
    {"tracking", [](const Dataset& gt, const EvaluatorOptions& o) -> std::unique_ptr<Evaluator> {
       return std::make_unique<tracking::TrackingEvaluator>(gt, o.tracked);
     }},
};

}  // namespace

std::vector<std::string_view> evaluator_names() {
  std::vector<std::string_view> out;
  for (const Entry& e : kEvaluators) out.push_back(e.name);
  return out;
}

bool evaluator_reads_masks(std::string_view name) {
  for (const Entry& e : kEvaluators)
    if (e.name == name) return e.masks;
  return false;
}

Matching evaluator_matching(std::string_view name) {
  for (const Entry& e : kEvaluators)
    if (e.name == name) return e.matching;
  return Matching::kBox;
}

std::unique_ptr<Evaluator> make_evaluator(std::string_view name, const Dataset& ground_truth,
                                          const EvaluatorOptions& options) {
  for (const Entry& e : kEvaluators)
    if (e.name == name) return e.make(ground_truth, options);
  std::string known;
  for (const Entry& e : kEvaluators) known += (known.empty() ? "" : ", ") + std::string(e.name);
  throw Error("unknown metric '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace ds
