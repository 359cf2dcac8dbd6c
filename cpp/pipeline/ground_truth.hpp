#pragma once
// A dataset's ground truth by image, and the drawing of a dataset frame: truth against
// detections, TP/FP/FN decided by the core's image matching. Shared by `render` and `view`.
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/classes/class_map.hpp"
#include "core/config/run_config.hpp"
#include "core/dataset/dataset.hpp"
#include "core/eval/analysis/image_boxes.hpp"
#include "core/eval/image_match.hpp"
#include "pipeline/frame.hpp"
#include "vision/draw.hpp"

namespace ds::pipeline {

// Detections count as found at this overlap (COCO's AP50 criterion).
inline constexpr double kMatchIou = 0.5;

// How a dataset frame's TP/FP/FN are decided: by the overlap the analyses use (box IoU, mask or
// boundary IoU on the image, OKS), at kMatchIou. `overlap` is ready for the dataset
// (Overlap::for_dataset: keypoints need their categories' sigmas).
MatchOptions frame_match(const Image& image, double score_threshold, const analysis::Overlap& overlap);
// What render and view match by for a run config: `chosen` (--iou-type) or the config's own
// (RunConfig::viewer_matching), with its sigmas, ready for `dataset`. Throws ds::Error when the
// dataset's keypoint categories have no sigmas, as the metric does.
analysis::Overlap frame_overlap(const RunConfig& cfg, std::optional<Matching> chosen, const Dataset& dataset);
// What the status line calls it: "IoU" for boxes, else Overlap::name() ("mask IoU", "OKS").
std::string overlap_label(const analysis::Overlap& overlap);

class GroundTruth {
 public:
  explicit GroundTruth(const Dataset& dataset);
  std::span<const Annotation> of(std::int64_t image_id) const;
  std::string category_name(std::int64_t id) const;
  // The category's keypoint skeleton (empty: none, or an unknown category).
  std::span<const std::array<std::int64_t, 2>> skeleton(std::int64_t id) const;

 private:
  std::unordered_map<std::int64_t, std::vector<Annotation>> by_image_;
  std::map<std::int64_t, std::string> names_;
  std::unordered_map<std::int64_t, std::vector<std::array<std::int64_t, 2>>> skeletons_;
};

// What draw_frame needs for a dataset frame; every span and `match` must outlive it.
vision::FrameContent dataset_content(const GroundTruth& truth, std::int64_t image_id,
                                     std::span<const Detection> detections, const ImageMatch& match);

// Maps a detector's labels onto the dataset once per detector.
class MappingCache {
 public:
  MappingCache(const Dataset& dataset, std::map<std::string, std::string> class_map);
  const ClassMapping& of(const Result& result);

 private:
  const Dataset& dataset_;
  std::map<std::string, std::string> class_map_;
  std::map<const void*, ClassMapping> cache_;
};

}  // namespace ds::pipeline
