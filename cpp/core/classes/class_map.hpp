#pragma once
// Maps a model's class names onto a dataset's categories: by name, ignoring case, spaces,
// underscores and hyphens; through a synonym table for the COCO, VOC and Open Images names; and
// through an explicit `class_map:` (model name -> dataset name) that wins over both.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds {

struct ClassMapping {
  std::vector<std::optional<std::int64_t>> category_of;  // per model class index
  std::vector<std::string> unmapped_model_classes;       // model classes with no category
  std::vector<std::string> uncovered_categories;         // categories no model class maps to
};

// The mapping's warnings for people, one line each and a few names per line (a classes file of
// a million lines must not print a million warnings): model classes no category takes, whose
// detections are `dropped_as` ("not scored", "not shown"), and categories no model class
// covers. `model` prefixes each line when not empty.
std::vector<std::string> mapping_warnings(const ClassMapping& mapping, std::string_view model,
                                          std::string_view dropped_as);

// True when at least one model class maps to a dataset category.
bool any_class_matches(const ClassMapping& mapping);

// Throws when no model class matches a dataset category (every detection would be dropped and
// the run score 0 with exit 0), naming both sides; `allow_with` says how to run anyway.
void require_a_class_match(const ClassMapping& mapping, std::span<const Category> categories,
                           std::string_view model, std::string_view allow_with);

// "Dining_Table" -> "diningtable"
std::string normalize_class_name(std::string_view name);

// Throws ds::Error when an explicit entry names a class or category that does not exist.
ClassMapping map_classes(std::span<const std::string> model_classes,
                         std::span<const Category> categories,
                         const std::map<std::string, std::string>& explicit_map = {});

// Placeholder names in label files ("__background__", "N/A") that are not classes.
bool is_placeholder_class(std::string_view name);

}  // namespace ds
