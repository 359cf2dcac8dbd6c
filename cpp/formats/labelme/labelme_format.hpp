#pragma once
// LabelMe: one JSON file per image ({imagePath, imageWidth, imageHeight, shapes: [{label,
// points, shape_type, flags}]}), imagePath relative to the JSON file.
//   format: labelme
//   annotations: DIR             # *.json, recursively
//   classes: [cat, dog]          # optional: fixes the class list and ids
// Rectangles are boxes; polygons are objects outlined by them (their bounds as the box, the
// polygon as the mask with ReadOptions::masks); polygons sharing a `group_id` and a label are
// the parts of one object. Other shapes (circles, points, lines) are counted and reported, not
// read. Shape flags `iscrowd`, `difficult` and `truncated` carry those flags.
#include "core/mask/segmentation.hpp"
#include "formats/format.hpp"

namespace ds::labelme {

class LabelMeFormat final : public DatasetFormat {
 public:
  std::string_view name() const override { return "labelme"; }
  std::string_view summary() const override { return "LabelMe JSON, rectangles and polygons (annotations: DIR)"; }
  FormatKeeps keeps() const override { return {true, true, true, false, true}; }
  bool writes_mask(const mask::Segmentation& s) const override { return !s.rle; }
  Dataset read(const ConfigNode& spec, const ReadOptions& options) const override;
  void write(const Dataset& dataset, const std::filesystem::path& dir,
             const WriteOptions& options) const override;
};

}  // namespace ds::labelme
