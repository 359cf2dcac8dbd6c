#pragma once
// The report's pictures of ranked candidates (a chart of kind "candidates" in metrics.json's
// schema, such as label_errors' likely label errors): each candidate detection cut out of its
// image with some context around it, its box and the ground truth it names drawn in, as small
// inline JPEGs appended to the run's gallery.json as {"kind": "crop", "dt_id", ...}. Which
// analysis wrote the candidates is not known here: only the chart kind's data shape (a list of
// entries with "dt_id", the detection's 1-based position in the run's detections, optionally
// "gt_id").
#include <span>
#include <string>
#include <string_view>

#include "core/dataset/dataset.hpp"

namespace ds::pipeline {

struct CropOptions {
  std::size_t max_crops = 24;  // per chart: the top of the ranking
  int side = 200;              // the crop's longer side in pixels (small boxes are enlarged)
};

// `gallery` (gallery_json's array) with the crops of every "candidates" chart of `metrics_json`
// appended. An image that cannot be read is left out with a warning, as the gallery does.
std::string with_candidate_crops(std::string gallery, std::string_view metrics_json, const Dataset& dataset,
                                 std::span<const Detection> detections, const CropOptions& options = {});

}  // namespace ds::pipeline
