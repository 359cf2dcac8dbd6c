#pragma once
// CVAT for images 1.1: one XML file, <image id name width height> elements holding <box label
// xtl ytl xbr ybr> (continuous pixel coordinates, as COCO's) with optional <attribute>s.
//   format: cvat
//   annotations: annotations.xml
//   images: DIR                  # where each <image name> is found
// Classes come from <meta>'s <labels> when present (in that order), else from the boxes.
// Attributes `iscrowd`, `difficult`, `truncated` carry those flags; image ids are kept.
// Polygons, polylines, points, masks, ellipses and tracks are counted and reported, not read.
#include "formats/format.hpp"

namespace ds::cvat {

class CvatFormat final : public DatasetFormat {
 public:
  std::string_view name() const override { return "cvat"; }
  std::string_view summary() const override { return "CVAT for images 1.1 XML, boxes (annotations: FILE.xml, images: DIR)"; }
  FormatKeeps keeps() const override { return {true, true, true, true, false}; }
  Dataset read(const ConfigNode& spec, const ReadOptions& options) const override;
  void write(const Dataset& dataset, const std::filesystem::path& dir,
             const WriteOptions& options) const override;
};

}  // namespace ds::cvat
