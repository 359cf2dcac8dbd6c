#include "pipeline/ground_truth.hpp"

#include <iostream>

#include "pipeline/detector.hpp"

namespace ds::pipeline {

GroundTruth::GroundTruth(const Dataset& dataset) {
  for (const Annotation& a : dataset.annotations) by_image_[a.image_id].push_back(a);
  for (const Category& c : dataset.categories) names_[c.id] = c.name;
}

std::span<const Annotation> GroundTruth::of(std::int64_t image_id) const {
  const auto it = by_image_.find(image_id);
  return it == by_image_.end() ? std::span<const Annotation>{} : std::span<const Annotation>(it->second);
}

std::string GroundTruth::category_name(std::int64_t id) const {
  const auto it = names_.find(id);
  return it == names_.end() ? "category " + std::to_string(id) : it->second;
}

MatchOptions frame_match(const Image& image, double score_threshold, bool masks) {
  MatchOptions o{.iou_threshold = kMatchIou, .score_threshold = score_threshold};
  if (masks)
    o.masks = MatchOptions::MaskImage{static_cast<std::uint32_t>(std::max(image.height, 0)),
                                      static_cast<std::uint32_t>(std::max(image.width, 0))};
  return o;
}

vision::FrameContent dataset_content(const GroundTruth& truth, std::int64_t image_id,
                                     std::span<const Detection> detections, const ImageMatch& match) {
  vision::FrameContent c;
  c.truth = truth.of(image_id);
  c.detections = detections;
  c.match = &match;
  c.category_name = [&truth](std::int64_t id) { return truth.category_name(id); };
  return c;
}

MappingCache::MappingCache(const Dataset& dataset, std::map<std::string, std::string> class_map)
    : dataset_(dataset), class_map_(std::move(class_map)) {}

const ClassMapping& MappingCache::of(const Result& r) {
  const auto it = cache_.find(&r.detector);
  if (it != cache_.end()) return it->second;
  ClassMapping m = r.detector.map_to(dataset_.categories, class_map_);
  for (const std::string& c : m.unmapped_model_classes)
    std::cerr << "warning: " << r.model << ": model class '" << c
              << "' matches no dataset category; its detections are not shown (add it to class_map:)\n";
  return cache_.emplace(&r.detector, std::move(m)).first->second;
}

}  // namespace ds::pipeline
