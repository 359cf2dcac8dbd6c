#pragma once
// The report's gallery: images drawn as `render` draws them (truth against detections,
// TP/FP/FN at the report's score cut), as small inline JPEGs.
#include <span>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/eval/analysis/image_boxes.hpp"

namespace ds::pipeline {

struct GalleryOptions {
  double score_threshold = 0.5;
  double iou = 0.5;
  int max_side = 560;  // pixels; pictures are shrunk to this, never enlarged beyond draw_frame's
  std::string model;   // shown in each picture's status line
  analysis::Overlap overlap;  // what matches, as the run's analyses match it
};

// Bytes as base64 text (the pictures' encoding in gallery.json).
std::string base64(const std::vector<unsigned char>& bytes);

// gallery.json: [{"image_id", "file_name", "tp", "fp", "fn", "jpeg_base64"}] for `image_ids` in
// that order. An image that cannot be read is left out with a warning on stderr: a report is
// still worth having without it.
std::string gallery_json(const Dataset& dataset, std::span<const Detection> detections,
                         std::span<const std::int64_t> image_ids, const GalleryOptions& options);

}  // namespace ds::pipeline
