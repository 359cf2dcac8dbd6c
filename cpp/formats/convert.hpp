#pragma once
// `convert`'s work, shared by the command and the Python API (Dataset.convert): a dataset
// written in another format into a folder, all or nothing, with notes on what that format
// cannot carry.
#include <filesystem>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "formats/format.hpp"

namespace ds {

// Frames of a video in a format that needs one image file per image: a ds::Error (convert
// links no decoder to extract them).
void refuse_video_frames(const Dataset& dataset, const DatasetFormat& format);

// The output replaces the folder as a whole: a ds::Error (naming `output`) for a folder that
// is not ours to replace: a file, the folder of the dataset itself or of `spec_file`, or a
// non-empty folder that is not an earlier convert's output (no dataset.yaml).
void check_convert_target(const std::filesystem::path& output, const Dataset& dataset,
                          const std::filesystem::path& spec_file);

// Writes `dataset` in `format` into `output` (staged beside it and renamed into place, so a
// failure leaves it as it was). Returns what the format could not carry, one line each
// (crowd flags, track ids, keypoints, masks), then the dataset's own warnings.
std::vector<std::string> convert_dataset(const Dataset& dataset, const DatasetFormat& format,
                                         const std::filesystem::path& output, bool copy_images);

}  // namespace ds
