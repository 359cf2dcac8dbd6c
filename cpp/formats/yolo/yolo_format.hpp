#pragma once
// YOLO label files: one `<class> <cx> <cy> <w> <h>` line per box, normalised to the image size,
// in labels/... beside images/... (the last "/images/" of an image path becomes "/labels/").
// Two layouts:
//   format: yolo                 # Ultralytics
//   data: data.yaml              # path:, train:/val:/test: (folders, list files or lists), names:
//   split: val                   # optional, default val
//
//   format: darknet
//   list: valid.txt              # image paths, one per line, relative to the list file
//   names: obj.names             # class names, one per line
// Class ids are the class indices. YOLO keeps no crowd, difficult or truncated flag, no image ids.
// A `<class> x0 y0 x1 y1 ...` line (Ultralytics' segment labels) is an object outlined by one
// polygon: read as its bounds and, with ReadOptions::masks, its mask; written back the same way.
// Pose labels (Ultralytics layout, `kpt_shape: [K, 2 or 3]` in data.yaml): `<class> <cx> <cy> <w>
// <h>` and K keypoints `x y [v]` on every line (yolo_labels.hpp), into Annotation::keypoints;
// the categories' keypoint names from `kpt_names: {class index: [names]}` (else kp0..kpK-1), and
// `flip_idx` kept. Written as kpt_shape [K, 3], every object a pose line (masks are dropped).
#include "core/mask/segmentation.hpp"
#include "formats/format.hpp"

namespace ds::yolo {

class UltralyticsFormat final : public DatasetFormat {
 public:
  std::string_view name() const override { return "yolo"; }
  std::string_view summary() const override { return "YOLO, Ultralytics layout (data: data.yaml [split: val])"; }
  FormatKeeps keeps() const override { return {.keypoints = true}; }
  bool writes_mask(const mask::Segmentation& s) const override { return !s.rle && s.polygons.size() == 1; }
  Dataset read(const ConfigNode& spec, const ReadOptions& options) const override;
  void write(const Dataset& dataset, const std::filesystem::path& dir,
             const WriteOptions& options) const override;
};

class DarknetFormat final : public DatasetFormat {
 public:
  std::string_view name() const override { return "darknet"; }
  std::string_view summary() const override { return "YOLO, Darknet layout (list: FILE.txt, names: FILE.names)"; }
  FormatKeeps keeps() const override { return {}; }
  bool writes_mask(const mask::Segmentation& s) const override { return !s.rle && s.polygons.size() == 1; }
  Dataset read(const ConfigNode& spec, const ReadOptions& options) const override;
  void write(const Dataset& dataset, const std::filesystem::path& dir,
             const WriteOptions& options) const override;
};

}  // namespace ds::yolo
