#pragma once
// Detections in the Open Images challenge's submission CSV: a header naming at least ImageID,
// LabelName, Score, XMin, XMax, YMin, YMax (in any order; others ignored), coordinates
// normalised to the image size. Read in blocks, rows split in place (a submission has millions
// of rows); a quoted field may not hold a line break.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds::openimages {

// Each row as a detection of `gt`: ImageID and LabelName resolved against it (Open Images'
// own ids when it has them, else the image's file name without extension and the class name),
// boxes in the ground truth's coordinates (pixels where the image size is known). Rows whose box
// has XMax < XMin or YMax < YMin are left out, as the challenge's evaluation removes them.
// Throws ds::Error naming file:line for a missing column, a bad number, an unknown image or class.
std::vector<Detection> read_challenge_detections(const std::filesystem::path& path, const Dataset& gt);
// The same from text in memory; `name` stands for the file in messages.
std::vector<Detection> read_challenge_detections_text(std::string_view text, const std::string& name, const Dataset& gt);

}  // namespace ds::openimages
