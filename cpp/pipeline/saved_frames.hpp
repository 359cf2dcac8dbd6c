#pragma once
// Detections saved frame by frame, with their track ids, placed on a dataset's images: detect's
// detections.jsonl or a MOT results file (a tracker's tracks.txt), what `view` and `render` draw
// over a video dataset (mot, cvat-video). A line's frame is the dataset sequence's frame (detect's
// "frame" from 0, MOT's from 1), or the jsonl line's image_id when it has one.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds::pipeline {

// Classes: detections.jsonl's labels are mapped to the dataset's categories as a model's class
// names are (`class_map` too); a MOT file's class column is a category id, and a line without one
// (-1) is given the dataset's pedestrian category, else its only one, else left as -1 (drawn, never
// matched). Boxes are moved back to 0-based pixels. Frames the dataset lacks are left out with a
// warning on stderr; a file that is not one of these formats: ds::Error naming file:line.
std::vector<Detection> saved_frame_detections(const std::filesystem::path& file, const Dataset& dataset,
                                              const std::map<std::string, std::string>& class_map);

}  // namespace ds::pipeline
