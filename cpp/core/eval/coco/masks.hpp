#pragma once
// segm and boundary evaluation's masks: every evaluated record's segmentation as an RLE on its
// image, as pycocotools' _prepare makes them (_toMask: annToRLE with the ground truth image's
// size); for boundary also each mask's boundary, as faster-coco-eval's
// calculateRleForAllAnnotations adds them.
#include <functional>
#include <span>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/mask/rle.hpp"

namespace ds::coco {

struct RecordMasks {
  // By index in Dataset::annotations and in the detections (null when not evaluated): the
  // record's own RLE, or the one made from its polygons (kept in the *_made vectors).
  std::vector<const mask::Rle*> gt, dt;
  std::vector<mask::Rle> gt_made, dt_made;
  std::vector<double> dt_area;    // the area the area ranges test (mask's or box's, as loadRes)
  // add_boundaries: the boundary of gt[n] / dt[n] (empty where those are null).
  std::vector<mask::Rle> gt_boundary, dt_boundary;
};

// `wanted(image_id, category_id)`: whether a record is evaluated (the others are not converted).
// Throws ds::Error naming the record for a missing or unusable segmentation.
RecordMasks record_masks(const Dataset& gt, std::span<const Detection> dts,
                         const std::function<bool(std::int64_t, std::int64_t)>& wanted, int threads);

// Fills gt_boundary and dt_boundary: mask::boundary_of(mask, dilation_ratio) of every mask there.
void add_boundaries(RecordMasks& masks, double dilation_ratio, int threads);

}  // namespace ds::coco
