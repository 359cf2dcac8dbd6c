#pragma once
// Box IoU exactly as pycocotools' maskApi.c bbIou computes it (same operations, same order).
#include <span>

#include "core/dataset/dataset.hpp"

namespace ds::coco {

// out[d * gts.size() + g] = IoU of detection d and ground truth g. For a crowd ground truth the
// denominator is the detection's area (a detection inside a crowd region counts as covered),
// unless `crowd_as_object` (LVIS: lvis-api passes iscrowd = 0 for every ground truth).
void box_iou(std::span<const Detection* const> dts, std::span<const Annotation* const> gts,
             std::span<double> out, bool crowd_as_object = false);

}  // namespace ds::coco
