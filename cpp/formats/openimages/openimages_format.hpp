#pragma once
// Open Images boxes: a CSV with one box per row, coordinates normalised to the image size.
//   format: openimages
//   boxes: validation-annotations-bbox.csv   # ImageID, LabelName, XMin, XMax, YMin, YMax,
//                                            # IsGroupOf, IsTruncated, ... (header row required)
//   images: validation/                      # <ImageID><image_ext>
//   class_descriptions: class-descriptions-boxable.csv   # optional: LabelName -> DisplayName
//   image_ext: .jpg                          # optional, default .jpg
//   image_ids: image_ids.csv                 # optional: images to include even without boxes
// IsGroupOf is COCO's crowd flag, IsTruncated is kept; sizes come from the image headers.
#include "formats/format.hpp"

namespace ds::openimages {

class OpenImagesFormat final : public DatasetFormat {
 public:
  std::string_view name() const override { return "openimages"; }
  std::string_view summary() const override {
    return "Open Images CSV (boxes: FILE.csv, images: DIR, class_descriptions: FILE.csv)";
  }
  FormatKeeps keeps() const override { return {true, false, true, false, false}; }
  Dataset read(const ConfigNode& spec, const ReadOptions& options) const override;
  void write(const Dataset& dataset, const std::filesystem::path& dir,
             const WriteOptions& options) const override;
};

}  // namespace ds::openimages
