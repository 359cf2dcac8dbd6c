#pragma once
// What Open Images adds to a dataset beyond boxes, for its challenge metric (--metric
// openimages): each class's LabelName (/m/...), the class hierarchy, the verified image-level
// labels and each image's ImageID. The openimages format fills it (class_descriptions:,
// hierarchy:, labels:); other formats leave Dataset::open_images null and the metric then
// evaluates each image's boxed classes only.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ds {

struct ImageLevelLabel {
  std::int64_t image_id = 0;
  std::int64_t category_id = 0;
  bool present = true;  // Confidence 1: verified present; 0: verified absent
};

struct OpenImagesInfo {
  std::unordered_map<std::int64_t, std::string> label_name;  // category id -> LabelName
  std::unordered_map<std::int64_t, std::string> image_key;   // image id -> ImageID
  // The hierarchy's edges between classes, (child, parent) category ids: a class may have
  // several parents. The hierarchy's root is not a class and has no edge. Acyclic (checked).
  std::vector<std::pair<std::int64_t, std::int64_t>> parents;
  std::vector<ImageLevelLabel> labels;  // in file order
  bool has_hierarchy = false;
  // Detections expanded to their ancestors too (the dataset's expand_detections: true); the
  // challenge expects entrants to output parent classes themselves.
  bool expand_detections = false;
};

}  // namespace ds
