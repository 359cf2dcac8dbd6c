#pragma once
// COCO instances JSON as a dataset format:
//   format: coco
//   annotations: annotations/instances_val.json
//   images: val/            # folder the images' file_name is relative to
#include "formats/format.hpp"

namespace ds::coco {

class CocoFormat final : public DatasetFormat {
 public:
  std::string_view name() const override { return "coco"; }
  std::string_view summary() const override { return "COCO instances JSON (annotations: FILE.json, images: DIR)"; }
  FormatKeeps keeps() const override {
    return {.crowd = true, .difficult = true, .truncated = true, .image_ids = true, .category_ids = true,
            .keypoints = true, .masks_beside_keypoints = true};
  }
  bool writes_mask(const mask::Segmentation&) const override { return true; }
  Dataset read(const ConfigNode& spec, const ReadOptions& options) const override;
  void write(const Dataset& dataset, const std::filesystem::path& dir,
             const WriteOptions& options) const override;
};

}  // namespace ds::coco
