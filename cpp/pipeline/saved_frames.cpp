#include "pipeline/saved_frames.hpp"

#include <algorithm>
#include <iostream>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/classes/class_map.hpp"
#include "core/util/error.hpp"
#include "core/util/text.hpp"
#include "formats/mot/saved_detections.hpp"
#include "formats/sequence.hpp"

namespace ds::pipeline {
namespace {

// The category of a MOT line without a class (MOT's results files write -1).
std::int64_t default_category(const Dataset& dataset) {
  for (const Category& c : dataset.categories)
    if (to_lower(c.name) == "pedestrian") return c.id;
  return dataset.categories.size() == 1 ? dataset.categories.front().id : -1;
}

}  // namespace

std::vector<Detection> saved_frame_detections(const std::filesystem::path& file, const Dataset& dataset,
                                              const std::map<std::string, std::string>& class_map) {
  const mot::SavedFrames saved = mot::read_saved_detections(file);

  // Frame -> image, through the dataset as one sequence (asked only when a line has no image_id).
  std::optional<std::unordered_map<std::int64_t, std::int64_t>> image_at;
  const auto image_of = [&](std::int64_t frame) -> std::optional<std::int64_t> {
    if (!image_at) {
      // as_sequence's messages go on " holds one sequence: <what is not>".
      const formats::Sequence seq =
          formats::as_sequence(dataset, file.string() + " numbers the frames of one sequence; a dataset drawn with it");
      image_at.emplace();
      for (const auto& [image, f] : seq.frame_of) image_at->emplace(f, image);
    }
    const auto it = image_at->find(frame);
    return it == image_at->end() ? std::nullopt : std::optional(it->second);
  };

  // Classes: detections.jsonl's labels by class_id, mapped as a model's class names are.
  std::optional<ClassMapping> mapping;
  const std::int64_t unclassed = default_category(dataset);
  std::unordered_set<std::int64_t> categories;
  for (const Category& c : dataset.categories) categories.insert(c.id);
  if (!saved.one_based) {
    std::unordered_set<std::int64_t> seen;
    std::int64_t classes = 0;
    for (const mot::SavedFrame& f : saved.frames)
      for (const mot::SavedDetection& d : f.detections) {
        seen.insert(d.class_id);
        classes = std::max(classes, d.class_id + 1);
      }
    // Class ids no detection has are placeholders (not warned about); one without a label is named
    // by its number.
    std::vector<std::string> names(static_cast<std::size_t>(classes));
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto id = static_cast<std::int64_t>(i);
      const auto it = saved.labels.find(id);
      names[i] = it != saved.labels.end() ? it->second : seen.contains(id) ? "class " + std::to_string(i) : "N/A";
    }
    mapping = map_classes(names, dataset.categories, class_map);
    // The file holds what was detected, not the model's every class: no warning for the categories
    // it happens not to have.
    mapping->uncovered_categories.clear();
    for (const std::string& w : mapping_warnings(*mapping, file.filename().string(), "not shown"))
      std::cerr << "warning: " << w << "\n";
  }

  std::vector<Detection> out;
  std::size_t missing_frames = 0;
  const double shift = saved.one_based ? 1.0 : 0.0;
  for (const mot::SavedFrame& f : saved.frames) {
    const std::optional<std::int64_t> image = f.image_id >= 0 ? std::optional(f.image_id) : image_of(f.frame - 1);
    if (!image) {
      missing_frames += !f.detections.empty();
      continue;
    }
    for (const mot::SavedDetection& d : f.detections) {
      std::int64_t category;
      if (mapping) {
        if (d.class_id < 0 || !mapping->category_of[static_cast<std::size_t>(d.class_id)]) continue;
        category = *mapping->category_of[static_cast<std::size_t>(d.class_id)];
      } else {
        category = categories.contains(d.class_id) ? d.class_id : unclassed;
      }
      Detection det;
      det.image_id = *image;
      det.category_id = category;
      det.bbox = {d.x - shift, d.y - shift, d.w, d.h};
      det.score = d.score;
      det.track_id = d.track_id;
      out.push_back(std::move(det));
    }
  }
  if (missing_frames > 0)
    std::cerr << "warning: " << file.string() << ": " << missing_frames
              << " frames with detections are not frames of the dataset (not shown)\n";
  return out;
}

}  // namespace ds::pipeline
