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

// Reads the images (paths relative to `image_dir`) and their label files. Images without a
// label file have no boxes. Image sizes come from the image headers.
Dataset read_images_and_labels(const std::filesystem::path& image_dir,
                               const std::vector<std::filesystem::path>& images,
                               const std::vector<std::string>& names, const ReadOptions& options);

// Writes images/<file_name> and labels/<file_name>.txt under `dir`; returns the image paths
// (relative to `dir`) in dataset order. Class index = the category's position by id.
std::vector<std::string> write_images_and_labels(const Dataset& dataset, const std::filesystem::path& dir,
                                                 const WriteOptions& options);

// Category names in id order (the class index order our writers use).
std::vector<std::string> class_names(const Dataset& dataset);

}  // namespace ds::yolo
