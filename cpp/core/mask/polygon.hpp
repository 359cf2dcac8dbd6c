#pragma once
// Polygons and boxes rasterised to masks as pycocotools' rleFrPoly / rleFrBbox do: vertices
// scaled by 5 and rounded, edges walked densely, the mask taken where the boundary crosses
// pixel centres. Not OpenCV's fillPoly: the pixels differ, and metrics must be pycocotools'.
#include <span>

#include "core/mask/rle.hpp"

namespace ds::mask {

// `xy` is x0, y0, x1, y1, ...; an odd last number is ignored (as pycocotools ignores it).
// Throws ds::Error for a coordinate that is not finite or beyond +-1e7 pixels.
Rle from_polygon(std::span<const double> xy, std::uint32_t h, std::uint32_t w);
// [x, y, w, h] as the 4-vertex polygon pycocotools builds from it.
Rle from_box(std::span<const double, 4> box, std::uint32_t h, std::uint32_t w);

}  // namespace ds::mask
