#include "host/inferencer.hpp"

namespace ds::host {

std::vector<Detection> to_detections(std::int64_t image_id, std::span<const RawDetection> raw,
                                     const ClassMapping& mapping, std::size_t& dropped) {
  std::vector<Detection> out;
  out.reserve(raw.size());
  for (const RawDetection& r : raw) {
    const auto& category = mapping.category_of[static_cast<std::size_t>(r.label)];
    if (!category) {
      ++dropped;
      continue;
    }
    // Widen before subtracting: the metric sees the same doubles evaluate has always written.
    const double x1 = r.x1, y1 = r.y1, x2 = r.x2, y2 = r.y2;
    Detection d{.image_id = image_id, .category_id = *category, .bbox = {x1, y1, x2 - x1, y2 - y1}, .score = static_cast<double>(r.score)};
    // mask_area stays unset: detections.json carries the box too, and pycocotools' loadRes then
    // takes the box's area for the area ranges; scoring in-process must agree with the file.
    d.segmentation = r.mask;
    d.keypoints = r.keypoints;
    d.track_id = r.track_id;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace ds::host
