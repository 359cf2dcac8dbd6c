#pragma once
// segm evaluation's masks: every evaluated record's segmentation as an RLE on its image, as
// pycocotools' _prepare makes them (_toMask: annToRLE with the ground truth image's size).
#include <functional>
#include <span>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/mask/rle.hpp"

namespace ds::coco {

struct RecordMasks {
  std::vector<mask::Rle> gt;      // by index in Dataset::annotations (empty when not evaluated)
  std::vector<mask::Rle> dt;      // by index in the detections
  std::vector<double> dt_area;    // the area the area ranges test (mask's or box's, as loadRes)
};

// `wanted(image_id, category_id)`: whether a record is evaluated (the others are not converted).
// Throws ds::Error naming the record for a missing or unusable segmentation.
RecordMasks record_masks(const Dataset& gt, std::span<const Detection> dts,
                         const std::function<bool(std::int64_t, std::int64_t)>& wanted, int threads);

}  // namespace ds::coco
