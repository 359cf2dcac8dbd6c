#pragma once
// Pascal VOC: one XML file per image.
//   format: voc
//   root: VOCdevkit/VOC2007      # Annotations/, JPEGImages/, ImageSets/Main/<split>.txt
//   split: val                   # optional: only the ids in ImageSets/Main/val.txt
// or, for a flat folder of XML files and images:
//   annotations: DIR             # *.xml, recursively
//   images: DIR                  # optional, default: the annotations folder
//   list: FILE                   # optional: the image ids to read, one per line
//   classes: [aeroplane, ...]    # optional, any layout: fixes the class list and ids
// VOC pixel coordinates are 1-based and inclusive: pixel i covers [i-1, i] in COCO's continuous
// coordinates, so x = xmin - 1 and w = xmax - xmin + 1; writing inverts this exactly.
#include "formats/format.hpp"

namespace ds::voc {

class VocFormat final : public DatasetFormat {
 public:
  std::string_view name() const override { return "voc"; }
  std::string_view summary() const override { return "Pascal VOC XML (root: DIR [split: NAME], or annotations: DIR)"; }
  FormatKeeps keeps() const override { return {false, true, true, false, true}; }
  Dataset read(const ConfigNode& spec, const ReadOptions& options) const override;
  void write(const Dataset& dataset, const std::filesystem::path& dir,
             const WriteOptions& options) const override;
};

}  // namespace ds::voc
