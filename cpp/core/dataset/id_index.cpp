#include "core/dataset/id_index.hpp"

#include <algorithm>

namespace ds {

std::vector<std::int64_t> sorted_unique(std::vector<std::int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

IdIndex::IdIndex(std::span<const std::int64_t> ids) {
  if (ids.empty()) return;
  const auto [lo, hi] = std::minmax_element(ids.begin(), ids.end());
  const bool dense = *lo >= 0 && *hi < std::max<std::int64_t>(1024, 4 * static_cast<std::int64_t>(ids.size()));
  if (dense) {
    table_.assign(static_cast<std::size_t>(*hi) + 1, npos);
    for (std::size_t i = 0; i < ids.size(); ++i)
      table_[static_cast<std::size_t>(ids[i])] = static_cast<std::int32_t>(i);
  } else {
    map_.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
      map_.emplace(ids[i], static_cast<std::int32_t>(i));
  }
}

}  // namespace ds
