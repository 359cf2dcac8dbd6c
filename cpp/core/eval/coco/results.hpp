#pragma once
// Detections as results come in (a file, Python lists, NumPy columns): checks shared by every
// front end, with messages that name the source and the record.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds::coco {

// Every detection's image must be one of the ground truth's images (pycocotools' loadRes
// asserts the same); throws ds::Error naming the first one that is not. `source` names the
// results in the message.
void check_result_images(const Dataset& gt, std::span<const Detection> dts,
                         const std::string& source);

// Keypoint results: every detection's keypoints must be x, y, v for each keypoint of its
// category; throws ds::Error naming `source`, the record and 'keypoints' for the first that
// are not, or whose category has no keypoint names. Detections of categories the ground truth
// does not list are left alone (they are never scored).
void check_result_keypoints(const Dataset& gt, std::span<const Detection> dts,
                            const std::string& source);

// Detections from columns: n image ids, n category ids, n x 4 boxes (x, y, w, h), n scores.
// Throws ds::Error naming `source`, the record and the field for a NaN or infinite number or a
// negative width or height.
std::vector<Detection> detections_from_columns(std::span<const std::int64_t> image_ids,
                                               std::span<const std::int64_t> category_ids,
                                               std::span<const double> boxes,
                                               std::span<const double> scores,
                                               const std::string& source);

// The inverse, for the Python API (Run.detections): detections as columns, so they cross the
// binding as NumPy buffers rather than as JSON. A detection without a mask has an empty
// mask_counts entry (and 0 x 0) and no polygons; one without keypoints an empty list.
struct DetectionColumns {
  std::vector<std::int64_t> image_ids, category_ids;
  std::vector<double> boxes;  // x, y, w, h per detection
  std::vector<double> scores;
  bool any_mask = false, any_keypoints = false;
  std::vector<std::uint32_t> mask_heights, mask_widths;
  std::vector<std::string> mask_counts;  // COCO's compressed RLE strings (raw counts compressed)
  std::vector<std::vector<std::vector<double>>> mask_polygons;  // for a mask given as polygons
  std::vector<std::vector<double>> keypoints;
};
DetectionColumns detection_columns(std::span<const Detection> detections);

}  // namespace ds::coco
