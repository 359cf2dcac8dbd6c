#include "core/eval/openimages/hierarchy.hpp"

#include <algorithm>

#include "core/dataset/open_images.hpp"

namespace ds::openimages {
namespace {

// Every class reachable from `start` along `next` (iteratively: a deep chain must not overflow
// the stack; the reader has refused cycles, `seen` stops a walk anyway).
std::vector<std::uint32_t> reachable(const std::vector<std::vector<std::uint32_t>>& next, std::uint32_t start) {
  std::vector<std::uint32_t> out, todo = next[start];
  std::vector<bool> seen(next.size(), false);
  seen[start] = true;
  while (!todo.empty()) {
    const std::uint32_t k = todo.back();
    todo.pop_back();
    if (seen[k]) continue;
    seen[k] = true;
    out.push_back(k);
    todo.insert(todo.end(), next[k].begin(), next[k].end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

ClassHierarchy class_hierarchy(const Dataset& gt, const IdIndex& classes, std::size_t num_classes) {
  const std::size_t K = num_classes;
  ClassHierarchy h;
  h.ancestors.resize(K);
  h.descendants.resize(K);
  if (!gt.open_images) return h;
  std::vector<std::vector<std::uint32_t>> up(K), down(K);
  for (const auto& [child, parent] : gt.open_images->parents) {
    const auto c = classes.find(child), p = classes.find(parent);
    if (c == IdIndex::npos || p == IdIndex::npos) continue;
    up[static_cast<std::size_t>(c)].push_back(static_cast<std::uint32_t>(p));
    down[static_cast<std::size_t>(p)].push_back(static_cast<std::uint32_t>(c));
  }
  for (std::uint32_t k = 0; k < K; ++k) {
    h.ancestors[k] = reachable(up, k);
    h.descendants[k] = reachable(down, k);
  }
  return h;
}

}  // namespace ds::openimages
