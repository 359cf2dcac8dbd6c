#include "pipeline/annotate.hpp"

namespace ds::pipeline {

std::vector<Detection> labelled_detections(const Result& r, Coordinates where) {
  std::vector<Detection> out;
  out.reserve(r.detections.size());
  const std::int64_t id = r.frame.image ? r.frame.image->id : static_cast<std::int64_t>(r.frame.index);
  for (const host::RawDetection& d : r.detections) {
    // Widened before subtracting, as evaluate's detections.json does: the numbers agree.
    const double x1 = d.x1, y1 = d.y1, x2 = d.x2, y2 = d.y2;
    out.push_back({.image_id = id, .category_id = d.label, .bbox = {x1, y1, x2 - x1, y2 - y1}, .score = static_cast<double>(d.score),
                   .keypoints = d.keypoints, .track_id = d.track_id});
  }
  // A reduced decode of a huge image: the boxes are in the stored image's pixels (run() scaled
  // them back); drawing and exporting happen on the reduced pixels.
  if (where == Coordinates::kPixels && !r.frame.stored.empty() && !r.frame.pixels.empty()) {
    const double sx = static_cast<double>(r.frame.pixels.cols) / r.frame.stored.width;
    const double sy = static_cast<double>(r.frame.pixels.rows) / r.frame.stored.height;
    for (Detection& d : out) {
      d.bbox = {d.bbox.x * sx, d.bbox.y * sy, d.bbox.w * sx, d.bbox.h * sy};
      for (std::size_t k = 0; k + 1 < d.keypoints.size(); k += 3) {
        d.keypoints[k] *= sx;
        d.keypoints[k + 1] *= sy;
      }
    }
  }
  return out;
}

vision::FrameContent footage_content(const Result& r, std::span<const Detection> detections) {
  vision::FrameContent c;
  c.detections = detections;
  c.has_truth = false;
  c.show_truth = false;
  const std::vector<std::string>* names = &r.class_names;
  c.category_name = [names](std::int64_t label) {
    return label >= 0 && static_cast<std::size_t>(label) < names->size() ? (*names)[static_cast<std::size_t>(label)]
                                                                           : "class " + std::to_string(label);
  };
  c.status.index = r.frame.index;
  c.status.file_name = r.frame.name;
  c.status.source = r.model;
  return c;
}

}  // namespace ds::pipeline
