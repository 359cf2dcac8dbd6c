#pragma once
// pycocotools' Params: the knobs users change, with its defaults (setDetParams, setKpParams).
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ds::slices {
struct ObjectFilter;  // core/eval/slices/slice_rules.hpp
}

namespace ds::coco {

// What is compared: boxes, masks (each record's segmentation, pycocotools' 'segm'), masks and
// their boundaries (faster-coco-eval's 'boundary': Boundary IoU, see mask/boundary), or
// keypoints (object keypoint similarity, OKS: pycocotools' 'keypoints').
enum class IouType { kBbox, kSegm, kBoundary, kKeypoints };

// COCO's 17 person keypoints' sigmas, as pycocotools' setKpParams computes them (each / 10.0).
std::vector<double> coco_person_sigmas();

struct Params {
  IouType iou_type = IouType::kBbox;
  // Unset: every image / category of the ground truth. Set but empty: none (as in pycocotools,
  // where an empty list evaluates nothing).
  std::optional<std::vector<std::int64_t>> img_ids;
  std::optional<std::vector<std::int64_t>> cat_ids;
  std::vector<double> iou_thrs;       // np.linspace(.5, .95, 10)
  std::vector<double> rec_thrs;       // np.linspace(0, 1, 101)
  std::vector<int> max_dets = {1, 10, 100};
  std::vector<std::array<double, 2>> area_rng;  // inclusive at both ends
  std::vector<std::string> area_lbl = {"all", "small", "medium", "large"};
  bool use_cats = true;
  // LVIS' federated rules (lvis-api's LVISEval; core/eval/lvis sets this): on each image only
  // the categories present (with ground truth) or verified absent (the image's
  // neg_category_ids) are evaluated, other detections are dropped; unmatched detections of a
  // category in the image's not_exhaustive_category_ids are ignored; crowd regions are
  // ordinary objects.
  bool federated = false;
  // kBoundary: the boundary's width as a share of the image diagonal (faster-coco-eval's
  // boundary_dilation_ratio, the authors' dilation_ratio).
  double boundary_dilation_ratio = 0.02;
  // keypoints: the sigmas of OKS (pycocotools' kpt_oks_sigmas), one per keypoint, for every
  // category that has none of its own in kpt_oks_sigmas_by_category (our extension: skeletons
  // of different sizes in one dataset).
  std::vector<double> kpt_oks_sigmas;
  std::vector<std::pair<std::int64_t, std::vector<double>>> kpt_oks_sigmas_by_category;
  // Our extension: a slice on the objects (score --slices' `objects:` rules). Ground truth
  // outside it is ignored and unmatched detections outside it are ignored, in every area range,
  // as pycocotools ignores those outside the area range. Null: every object.
  std::shared_ptr<const slices::ObjectFilter> objects;
  // Slices of the objects matched in the same pass as the evaluation itself (the IoUs computed
  // once): with keep_matches, EvalResult::object_matches[s] holds slice s's matching.
  std::vector<std::shared_ptr<const slices::ObjectFilter>> object_slices;

  // setDetParams (bbox, segm) or setKpParams (keypoints).
  static Params defaults(IouType type = IouType::kBbox);
};

}  // namespace ds::coco
