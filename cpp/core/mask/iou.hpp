#pragma once
// Mask IoU exactly as pycocotools' rleIou: the boxes' IoU first (0 there means 0), then the
// runs; for a crowd ground truth the denominator is the detection's area; masks of different
// sizes give -1 (never a match).
#include <span>

#include "core/mask/rle.hpp"

namespace ds::mask {

// out[d * gts.size() + g], the layout of coco::box_iou. `crowd[g]` flags crowd ground truth.
void iou(std::span<const Rle* const> dts, std::span<const Rle* const> gts,
         std::span<const std::uint8_t> crowd, std::span<double> out);

}  // namespace ds::mask
