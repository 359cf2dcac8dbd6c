#pragma once
// One interface for every dataset format; each format lives in its own folder and is registered
// once, in formats/registry.cpp.
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "core/config/config_node.hpp"
#include "core/dataset/dataset.hpp"

namespace ds {

struct ReadOptions {
  bool skip_bad = false;  // skip malformed records/files (counted in Dataset warnings) instead of failing
  // Read instance masks (polygons, RLE) into Annotation::segmentation. Off by default: box
  // metrics do not need them, and in COCO files they are most of the bytes.
  bool masks = false;
};

struct WriteOptions {
  bool copy_images = false;  // copy image files; default: symbolic links
  // The folder the dataset will be known by, when it is written elsewhere first (convert
  // stages its output); formats that record their own name (MOT's seqinfo.ini) use it.
  std::filesystem::path final_dir;
};

// What a format can carry besides boxes and class names; `convert` says what is lost.
struct FormatKeeps {
  bool crowd = false;
  bool difficult = false;
  bool truncated = false;
  bool image_ids = false;     // ids survive a write and read back
  bool category_ids = false;
  bool track_ids = false;     // Annotation::track_id
  // Images that are frames of a video file (Image::frame >= 0). Formats without it need one
  // file per image, and convert cannot extract frames (no decoder in the light front).
  bool video_frames = false;
  bool keypoints = false;  // Annotation::keypoints and the categories' keypoint names, skeleton
  // Masks of a dataset with keypoints (YOLO pose lines hold a box and keypoints, no outline).
  bool masks_beside_keypoints = false;
};

class DatasetFormat {
 public:
  virtual ~DatasetFormat() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;  // one line for --help and errors
  virtual FormatKeeps keeps() const = 0;
  // Whether write() keeps this mask (else the annotation is written as its box alone).
  virtual bool writes_mask(const mask::Segmentation&) const { return false; }
  // `spec` is the dataset mapping (`format:` plus this format's paths).
  virtual Dataset read(const ConfigNode& spec, const ReadOptions& options) const = 0;
  // Writes `dataset` under `dir` in this format, including `dir/dataset.yaml`.
  virtual void write(const Dataset& dataset, const std::filesystem::path& dir,
                     const WriteOptions& options) const = 0;
};

std::vector<const DatasetFormat*> all_formats();
const DatasetFormat& find_format(std::string_view name);  // throws ds::Error naming the known ones

// Reads the dataset a spec describes (a standalone dataset.yaml or a run config's `dataset:`).
Dataset load_dataset(const ConfigNode& spec, const ReadOptions& options = {});

}  // namespace ds
