#pragma once
// An object's 'segmentation' as a COCO file gives it, and pycocotools' annToRLE over it.
#include <optional>
#include <string>
#include <vector>

#include "core/mask/rle.hpp"

namespace ds::mask {

struct Segmentation {
  // Polygons (x0, y0, x1, y1, ...): the parts of one object, their union is the mask.
  std::vector<std::vector<double>> polygons;
  // Or an RLE with its own size.
  std::optional<Rle> rle;
  bool rle_compressed = true;  // how the file wrote it, to write it back the same way
};

// A box (x, y, w, h) as the polygon pycocotools' loadRes gives a result without 'segmentation'.
Segmentation box_segmentation(double x, double y, double w, double h);

// The mask on an h x w image, as pycocotools' COCO.annToRLE makes it: polygons rasterised and
// merged; an RLE as it is, with its own size. No polygons at all: an empty mask (pycocotools
// fails on that). Throws ds::Error for polygons it cannot read (a first part under 3 points).
// Why pycocotools would refuse these polygons (to_rle's rule), or nothing: readers check it
// where the file and record are known, so the message can name them.
std::optional<std::string> polygons_problem(const Segmentation& s);

Rle to_rle(const Segmentation& s, std::uint32_t h, std::uint32_t w);

}  // namespace ds::mask
