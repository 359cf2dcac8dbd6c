#pragma once
// What every analysis starts from: each image's ground truth and detections side by side, with
// their IoUs (pycocotools' box IoU; crowd regions: intersection over the detection's area).
#include <cstdint>
#include <span>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/eval/image_match.hpp"

namespace ds::analysis {

// At most this many detections per image, the highest scoring (tidecv's and COCO's maxDets).
inline constexpr std::size_t kMaxDetections = 100;

struct ImageBoxes {
  const Image* image = nullptr;
  std::vector<Annotation> gts;  // file order
  std::vector<Detection> dts;   // by descending score, ties in input order; <= kMaxDetections
  std::vector<double> ious;            // dts.size() x gts.size()

  double iou(std::size_t d, std::size_t g) const { return ious[d * gts.size() + g]; }
  // The image matching (core/eval/image_match) of these detections, on the IoUs above.
  ImageMatch match(double iou_threshold, double score_threshold = 0) const {
    return match_image(gts, dts, {.iou_threshold = iou_threshold, .score_threshold = score_threshold}, ious);
  }
};

// What the analyses compare: boxes, or masks (segm; pycocotools' mask IoU on the image's size).
enum class Overlap { kBox, kMask };

// The images `image_ids` names (each once, in that order; ids not in the dataset are skipped)
// with their boxes. Detections on other images are left out.
std::vector<ImageBoxes> image_boxes(const Dataset& gt, std::span<const std::int64_t> image_ids,
                                    std::span<const Detection> dts, Overlap overlap = Overlap::kBox);
// Every image of the dataset, in file order.
std::vector<std::int64_t> all_image_ids(const Dataset& gt);

}  // namespace ds::analysis
