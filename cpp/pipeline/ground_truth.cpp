#include "pipeline/ground_truth.hpp"

#include <iostream>

#include "pipeline/detector.hpp"

namespace ds::pipeline {

GroundTruth::GroundTruth(const Dataset& dataset) {
  for (const Annotation& a : dataset.annotations) by_image_[a.image_id].push_back(a);
  for (const Category& c : dataset.categories) {
    names_[c.id] = c.name;
    if (!c.skeleton.empty()) skeletons_[c.id] = c.skeleton;
  }
}

std::span<const std::array<std::int64_t, 2>> GroundTruth::skeleton(std::int64_t id) const {
  const auto it = skeletons_.find(id);
  return it == skeletons_.end() ? std::span<const std::array<std::int64_t, 2>>{} : std::span(it->second);
}

std::span<const Annotation> GroundTruth::of(std::int64_t image_id) const {
  const auto it = by_image_.find(image_id);
  return it == by_image_.end() ? std::span<const Annotation>{} : std::span<const Annotation>(it->second);
}

std::string GroundTruth::category_name(std::int64_t id) const {
  const auto it = names_.find(id);
  return it == names_.end() ? "category " + std::to_string(id) : it->second;
}

MatchOptions frame_match(const Image& image, double score_threshold, const analysis::Overlap& overlap) {
  MatchOptions o = overlap.match_options(image);
  o.iou_threshold = kMatchIou;
  o.score_threshold = score_threshold;
  return o;
}

analysis::Overlap frame_overlap(const RunConfig& cfg, std::optional<Matching> chosen, const Dataset& dataset) {
  const analysis::Overlap o{chosen.value_or(cfg.viewer_matching()), cfg.boundary_dilation_ratio, cfg.keypoint_sigmas, nullptr};
  return o.for_dataset(dataset);
}

std::string overlap_label(const analysis::Overlap& overlap) {
  return overlap.matching == Matching::kBox ? "IoU" : overlap.name();
}

vision::FrameContent dataset_content(const GroundTruth& truth, std::int64_t image_id,
                                     std::span<const Detection> detections, const ImageMatch& match) {
  vision::FrameContent c;
  c.truth = truth.of(image_id);
  c.detections = detections;
  c.match = &match;
  c.category_name = [&truth](std::int64_t id) { return truth.category_name(id); };
  c.skeleton = [&truth](std::int64_t id) { return truth.skeleton(id); };
  return c;
}

MappingCache::MappingCache(const Dataset& dataset, std::map<std::string, std::string> class_map)
    : dataset_(dataset), class_map_(std::move(class_map)) {}

const ClassMapping& MappingCache::of(const Result& r) {
  const auto it = cache_.find(&r.detector);
  if (it != cache_.end()) return it->second;
  ClassMapping m = r.detector.map_to(dataset_.categories, class_map_);
  for (const std::string& w : mapping_warnings(m, r.model, "not shown")) std::cerr << "warning: " << w << "\n";
  return cache_.emplace(&r.detector, std::move(m)).first->second;
}

}  // namespace ds::pipeline
