#pragma once
// What both YOLO layouts share: label file paths, reading label files, writing them.
#include <filesystem>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "formats/format.hpp"

namespace ds::yolo {

// The label file of an image: the last "/images/" (or "/JPEGImages/") in the path becomes
// "/labels/" and the extension ".txt"; with neither, the label file sits beside the image.
std::filesystem::path label_path(const std::filesystem::path& image);

// Ultralytics pose labels (data.yaml's `kpt_shape: [K, dims]`): every line is
// `<class> <cx> <cy> <w> <h>` and then K keypoints of `dims` values each: x y normalised, and with
// dims 3 the visibility v (0 not labelled, 1 labelled but hidden, 2 visible, as COCO's). With
// dims 2 a keypoint is labelled (v = 2) unless x or y is negative (Ultralytics' rule).
struct PoseShape {
  std::size_t keypoints = 0;  // K; 0: not a pose dataset (box and segment lines)
  std::size_t dims = 3;       // 2 or 3
};

// Reads the images (paths relative to `image_dir`) and their label files. Images without a
// label file have no boxes. Image sizes come from the image headers. With a pose shape every
// line must be a pose line; keypoints come out in pixels as COCO's x, y, v.
Dataset read_images_and_labels(const std::filesystem::path& image_dir,
                               const std::vector<std::filesystem::path>& images,
                               const std::vector<std::string>& names, const ReadOptions& options,
                               const PoseShape& pose = {});

// The pose shape a dataset is written with: K of its categories with keypoint names (one K for
// all of them, else an error: YOLO has one kpt_shape), dims 3; keypoints 0 when none has any.
PoseShape pose_shape_of(const Dataset& dataset);

// Writes images/<file_name> and labels/<file_name>.txt under `dir`; returns the image paths
// (relative to `dir`) in dataset order. Class index = the category's position by id. With a pose
// shape every object is a pose line (its box and K keypoints; none labelled when it has none).
std::vector<std::string> write_images_and_labels(const Dataset& dataset, const std::filesystem::path& dir,
                                                 const WriteOptions& options, const PoseShape& pose = {});

// Category names in id order (the class index order our writers use).
std::vector<std::string> class_names(const Dataset& dataset);

}  // namespace ds::yolo
