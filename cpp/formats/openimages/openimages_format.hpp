#pragma once
// Open Images boxes: a CSV with one box per row, coordinates normalised to the image size.
//   format: openimages
//   boxes: validation-annotations-bbox.csv   # ImageID, LabelName, XMin, XMax, YMin, YMax,
//                                            # IsGroupOf, IsTruncated, ... (header row required)
//   images: validation/                      # <ImageID><image_ext>; optional: without it the
//                                            # boxes stay normalised (enough to score)
//   class_descriptions: class-descriptions-boxable.csv   # optional: LabelName -> DisplayName
//   image_ext: .jpg                          # optional, default .jpg
//   image_ids: image_ids.csv                 # optional: images to include even without boxes
//   labels: image-labels.csv                 # optional: verified image-level labels
//                                            # (ImageID, LabelName, Confidence 1/0)
//   hierarchy: bbox_labels_600_hierarchy.json  # optional: the class hierarchy
//   expand_detections: false                 # optional: --metric openimages expands detections
// IsGroupOf is COCO's crowd flag, IsTruncated is kept; sizes come from the image headers. The
// LabelNames, labels and hierarchy go to Dataset::open_images (the challenge metric's input).
#include "formats/format.hpp"

namespace ds::openimages {

class OpenImagesFormat final : public DatasetFormat {
 public:
  std::string_view name() const override { return "openimages"; }
  std::string_view summary() const override {
    return "Open Images CSV (boxes: FILE.csv, images: DIR, class_descriptions: FILE.csv, labels: FILE.csv, hierarchy: FILE.json)";
  }
  FormatKeeps keeps() const override { return {true, false, true, false, false}; }
  Dataset read(const ConfigNode& spec, const ReadOptions& options) const override;
  void write(const Dataset& dataset, const std::filesystem::path& dir,
             const WriteOptions& options) const override;
};

}  // namespace ds::openimages
