#pragma once
// A number per (gt id, tracker id) pair: a dense matrix when the ids are few (every MOT sequence),
// else a hash map, so a results file with an id per box cannot ask for gigabytes.
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace ds::tracking {

class PairTable {
 public:
  PairTable(std::size_t rows, std::size_t cols) : cols_(cols), dense_(rows * cols <= kMaxDense) {
    if (dense_) values_.assign(rows * cols, 0.0);
  }
  double& at(std::size_t r, std::size_t c) {
    return dense_ ? values_[r * cols_ + c] : sparse_[key(r, c)];
  }
  double get(std::size_t r, std::size_t c) const {
    if (dense_) return values_[r * cols_ + c];
    const auto it = sparse_.find(key(r, c));
    return it == sparse_.end() ? 0.0 : it->second;
  }
  // Every pair holding a non-zero value: f(row, col, value).
  template <class F>
  void for_each(F&& f) const {
    if (dense_) {
      for (std::size_t k = 0; k < values_.size(); ++k)
        if (values_[k] != 0) f(k / cols_, k % cols_, values_[k]);
    } else {
      for (const auto& [k, v] : sparse_)
        if (v != 0) f(static_cast<std::size_t>(k >> 32), static_cast<std::size_t>(k & 0xffffffffu), v);
    }
  }

 private:
  static constexpr std::size_t kMaxDense = std::size_t{1} << 24;  // 128 MiB of doubles
  static std::uint64_t key(std::size_t r, std::size_t c) { return (static_cast<std::uint64_t>(r) << 32) | c; }
  std::size_t cols_;
  bool dense_;
  std::vector<double> values_;
  std::unordered_map<std::uint64_t, double> sparse_;
};

}  // namespace ds::tracking
