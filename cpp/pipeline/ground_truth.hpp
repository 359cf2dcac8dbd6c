#pragma once
// A dataset's ground truth by image, and the drawing of a dataset frame: truth against
// detections, TP/FP/FN decided by the core's image matching. Shared by `render` and `view`.
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/classes/class_map.hpp"
#include "core/dataset/dataset.hpp"
#include "core/eval/image_match.hpp"
#include "pipeline/frame.hpp"
#include "vision/draw.hpp"

namespace ds::pipeline {

// Detections count as found at this overlap (COCO's AP50 criterion).
inline constexpr double kMatchIou = 0.5;

// How a dataset frame's TP/FP/FN are decided: by box IoU, or with `masks` by mask IoU on the image.
MatchOptions frame_match(const Image& image, double score_threshold, bool masks);

class GroundTruth {
 public:
  explicit GroundTruth(const Dataset& dataset);
  std::span<const Annotation> of(std::int64_t image_id) const;
  std::string category_name(std::int64_t id) const;

 private:
  std::unordered_map<std::int64_t, std::vector<Annotation>> by_image_;
  std::map<std::int64_t, std::string> names_;
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
