#pragma once
// Open Images' verified image-level labels: a CSV with a header naming at least ImageID,
// LabelName and Confidence (Source and other columns are ignored), Confidence 1 = verified
// present, 0 = verified absent.
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/csv.hpp"

namespace ds::openimages {

struct RawImageLabel {
  std::string image_id, label_name;
  bool present = true;
  std::string where;  // "file:line"
};

// Throws ds::Error naming file:line for a missing column, a short row or a Confidence other than 0/1.
std::vector<RawImageLabel> read_image_labels(CsvReader& csv);

}  // namespace ds::openimages
