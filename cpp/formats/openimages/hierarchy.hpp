#pragma once
// Open Images' class hierarchy (bbox_labels_600_hierarchy.json's shape): nested objects
//   {"LabelName": "/m/0bl9f", "Subcategory": [{"LabelName": "/m/011k07", "Subcategory": [...]}, ...]}
// A LabelName may appear under several parents. Other keys ("Part") are ignored, as the TF
// Object Detection API's expansion tool ignores them.
#include <filesystem>
#include <string>
#include <vector>

namespace ds::openimages {

struct HierarchyEdge {
  std::string child, parent;
  std::string where;  // "file:line:col: <path>" of the child's object, for messages
};

struct Hierarchy {
  std::string root;                  // the top object's LabelName: not a class
  std::vector<HierarchyEdge> edges;  // in file order
};

// Throws ds::Error naming file:line:col for malformed JSON, a node without a string LabelName,
// nesting deeper than 100 levels, or a cycle (a class among its own ancestors).
Hierarchy read_hierarchy(const std::filesystem::path& path);
// The same from text in memory (`label` names it in messages); the fuzz target's entry.
Hierarchy read_hierarchy_text(std::string_view json, const std::string& label);

}  // namespace ds::openimages
