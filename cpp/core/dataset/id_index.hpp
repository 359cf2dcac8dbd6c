#pragma once
// Maps sparse int64 ids (image ids, category ids) to dense positions 0..n-1. Uses a flat table
// when the ids are small non-negative numbers (the common case), a hash map otherwise.
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace ds {

// Ids sorted ascending with repeats removed (pycocotools' np.unique of imgIds/catIds).
std::vector<std::int64_t> sorted_unique(std::vector<std::int64_t> ids);

class IdIndex {
 public:
  static constexpr std::int32_t npos = -1;

  IdIndex() = default;
  // ids must be unique; position i maps to ids[i].
  explicit IdIndex(std::span<const std::int64_t> ids);

  std::int32_t find(std::int64_t id) const {
    if (!table_.empty() || map_.empty()) {
      if (id < 0 || static_cast<std::uint64_t>(id) >= table_.size()) return npos;
      return table_[static_cast<std::size_t>(id)];
    }
    const auto it = map_.find(id);
    return it == map_.end() ? npos : it->second;
  }
  bool contains(std::int64_t id) const { return find(id) != npos; }

 private:
  std::vector<std::int32_t> table_;
  std::unordered_map<std::int64_t, std::int32_t> map_;
};

}  // namespace ds
