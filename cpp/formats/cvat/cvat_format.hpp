#pragma once
// CVAT for images 1.1: one XML file, <image id name width height> elements holding <box label
// xtl ytl xbr ybr> (continuous pixel coordinates, as COCO's) with optional <attribute>s.
//   format: cvat
//   annotations: annotations.xml
//   images: DIR                  # where each <image name> is found
// Classes come from <meta>'s <labels> when present (in that order), else from the boxes.
// Attributes `iscrowd`, `difficult`, `truncated` carry those flags; image ids are kept.
// A <polygon points="x0,y0;x1,y1;..."> is an object outlined by it (its bounds as the box, the
// polygon as the mask with ReadOptions::masks); polygons sharing a label and a `group_id` are the
// parts of one object. Polylines, points, masks, ellipses and tracks are counted and reported,
// not read.
#include "core/mask/segmentation.hpp"
#include "formats/format.hpp"

namespace ds::cvat {

class CvatFormat final : public DatasetFormat {
 public:
  std::string_view name() const override { return "cvat"; }
  std::string_view summary() const override { return "CVAT for images 1.1 XML, boxes and polygons (annotations: FILE.xml, images: DIR)"; }
  FormatKeeps keeps() const override { return {true, true, true, true, false}; }
  bool writes_mask(const mask::Segmentation& s) const override { return !s.rle; }
  Dataset read(const ConfigNode& spec, const ReadOptions& options) const override;
  void write(const Dataset& dataset, const std::filesystem::path& dir,
             const WriteOptions& options) const override;
};

}  // namespace ds::cvat
