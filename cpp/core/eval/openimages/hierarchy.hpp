#pragma once
// Each class's ancestors and descendants, as the TF Object Detection API's
// oid_hierarchical_labels_expansion computes them from the hierarchy (the root excluded: it is no
// class). A class with two parents has both, and both parents' ancestors.
#include <cstdint>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/dataset/id_index.hpp"

namespace ds::openimages {

struct ClassHierarchy {
  // By class index (IdIndex over the categories' ids): sorted, unique, without the class itself.
  std::vector<std::vector<std::uint32_t>> ancestors, descendants;
};

// Empty lists for every class when the dataset has no hierarchy.
ClassHierarchy class_hierarchy(const Dataset& gt, const IdIndex& classes, std::size_t num_classes);

}  // namespace ds::openimages
