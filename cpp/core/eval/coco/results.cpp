#include "core/eval/coco/results.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/dataset/id_index.hpp"
#include "core/mask/rle.hpp"
#include "core/mask/segmentation.hpp"
#include "core/util/error.hpp"

namespace ds::coco {

void check_result_images(const Dataset& gt, std::span<const Detection> dts,
                         const std::string& source) {
  std::vector<std::int64_t> ids;
  ids.reserve(gt.images.size());
  for (const Image& im : gt.images) ids.push_back(im.id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const IdIndex index(ids);
  for (std::size_t n = 0; n < dts.size(); ++n)
    if (!index.contains(dts[n].image_id))
      throw Error(source + ": detection [" + std::to_string(n) + "]: image_id " +
                  std::to_string(dts[n].image_id) + " is not an image of the ground truth" +
                  (gt.source.empty() ? "" : " (" + gt.source + ")"));
}

void check_result_keypoints(const Dataset& gt, std::span<const Detection> dts,
                            const std::string& source) {
  std::unordered_map<std::int64_t, const Category*> cats;
  for (const Category& c : gt.categories) cats.try_emplace(c.id, &c);
  for (std::size_t n = 0; n < dts.size(); ++n) {
    const auto it = cats.find(dts[n].category_id);
    if (it == cats.end()) continue;
    const Category& c = *it->second;
    const std::size_t k = c.keypoint_names.size();
    const auto where = [&] { return source + ": detection [" + std::to_string(n) + "]: 'keypoints': "; };
    if (k == 0)
      throw Error(where() + "category '" + c.name + "' (id " + std::to_string(c.id) +
                  ") has no keypoint names in the ground truth");
    if (dts[n].keypoints.size() != 3 * k)
      throw Error(where() + std::to_string(dts[n].keypoints.size()) + " numbers, category '" + c.name + "' has " +
                  std::to_string(k) + " keypoints (expected " + std::to_string(3 * k) + ": x, y, v each)");
  }
}

std::vector<Detection> detections_from_columns(std::span<const std::int64_t> image_ids,
                                               std::span<const std::int64_t> category_ids,
                                               std::span<const double> boxes,
                                               std::span<const double> scores,
                                               const std::string& source) {
  const std::size_t n = scores.size();
  if (image_ids.size() != n || category_ids.size() != n || boxes.size() != 4 * n)
    throw Error(source + ": image ids, category ids, boxes (N x 4) and scores differ in length");
  std::vector<Detection> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double* b = boxes.data() + 4 * i;
    const auto where = [&](const char* field) {
      return source + ": detection [" + std::to_string(i) + "]: '" + field + "': ";
    };
    if (!std::isfinite(scores[i])) throw Error(where("score") + "not a finite number");
    for (int c = 0; c < 4; ++c)
      if (!std::isfinite(b[c])) throw Error(where("bbox") + "not a finite number");
    if (b[2] < 0 || b[3] < 0) throw Error(where("bbox") + "negative width or height");
    Detection& d = out[i];
    d.image_id = image_ids[i];
    d.category_id = category_ids[i];
    d.bbox = {b[0], b[1], b[2], b[3]};
    d.score = scores[i];
  }
  return out;
}

DetectionColumns detection_columns(std::span<const Detection> detections) {
  DetectionColumns c;
  const std::size_t n = detections.size();
  c.image_ids.reserve(n);
  c.category_ids.reserve(n);
  c.boxes.reserve(4 * n);
  c.scores.reserve(n);
  for (const Detection& d : detections) {
    c.image_ids.push_back(d.image_id);
    c.category_ids.push_back(d.category_id);
    c.boxes.insert(c.boxes.end(), {d.bbox.x, d.bbox.y, d.bbox.w, d.bbox.h});
    c.scores.push_back(d.score);
    c.any_mask = c.any_mask || d.segmentation != nullptr;
    c.any_keypoints = c.any_keypoints || !d.keypoints.empty();
  }
  if (c.any_mask)
    for (const Detection& d : detections) {
      const bool rle = d.segmentation && d.segmentation->rle;
      c.mask_heights.push_back(rle ? d.segmentation->rle->h : 0);
      c.mask_widths.push_back(rle ? d.segmentation->rle->w : 0);
      c.mask_counts.push_back(rle ? mask::to_string(*d.segmentation->rle) : std::string());
      c.mask_polygons.push_back(d.segmentation && !rle ? d.segmentation->polygons
                                                       : std::vector<std::vector<double>>{});
    }
  if (c.any_keypoints)
    for (const Detection& d : detections) c.keypoints.push_back(d.keypoints);
  return c;
}

}  // namespace ds::coco
