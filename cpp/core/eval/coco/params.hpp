#pragma once
// pycocotools' Params for bbox evaluation: the knobs users change, with its defaults.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ds::coco {

// What is compared: boxes, or masks (each record's segmentation, pycocotools' 'segm'), or
// masks and their boundaries (faster-coco-eval's 'boundary': Boundary IoU, see mask/boundary).
enum class IouType { kBbox, kSegm, kBoundary };

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
  // kBoundary: the boundary's width as a share of the image diagonal (faster-coco-eval's
  // boundary_dilation_ratio, the authors' dilation_ratio).
  double boundary_dilation_ratio = 0.02;

  static Params defaults();
};

}  // namespace ds::coco
