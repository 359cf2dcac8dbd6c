#include "core/eval/coco/slice_bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/dataset/id_index.hpp"
#include "core/eval/coco/accumulate.hpp"
#include "core/eval/coco/summarize.hpp"
#include "core/util/error.hpp"

namespace ds::coco {
namespace {

// keep_images with multiplicity: image i's groups `count[i]` times, in image order (so an image
// drawn twice is two images with the same boxes, as a resampled dataset would hold).
void repeat_images(const CategoryMatches& all, std::span<const std::uint32_t> count, std::size_t A, std::size_t T,
                   CategoryMatches& out) {
  out.reset(A);
  const std::size_t AT = A * T;
  for (std::size_t g = 0; g < all.group_image.size(); ++g) {
    const std::uint32_t n = count[all.group_image[g]];
    const std::size_t d0 = all.group_first[g], d1 = all.group_first[g + 1];
    for (std::uint32_t copy = 0; copy < n; ++copy) {
      out.has_images = true;
      out.scores.insert(out.scores.end(), all.scores.begin() + d0, all.scores.begin() + d1);
      out.rank.insert(out.rank.end(), all.rank.begin() + d0, all.rank.begin() + d1);
      out.status.insert(out.status.end(), all.status.begin() + d0 * AT, all.status.begin() + d1 * AT);
      for (std::size_t a = 0; a < A; ++a) out.counted_gt[a] += all.group_gt[g * A + a];
      out.group_image.push_back(all.group_image[g]);
      out.group_first.push_back(static_cast<std::uint32_t>(out.scores.size()));
      out.group_gt.insert(out.group_gt.end(), all.group_gt.begin() + g * A, all.group_gt.begin() + (g + 1) * A);
    }
  }
}

// numpy.percentile(values, q) with its default linear interpolation; `values` sorted.
double percentile(const std::vector<double>& values, double q) {
  const double pos = q / 100 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace

std::optional<BootstrapInterval> bootstrap_slice_ap(const EvalResult& all, std::span<const std::int64_t> slice_image_ids,
                                                    std::size_t samples, std::uint64_t seed) {
  const EvalArrays& e = all.arrays;
  if (all.matches.size() != e.K) throw Error("slices: the evaluation kept no matches (internal error)");
  const IdIndex scored(*all.params.img_ids);
  std::vector<std::uint32_t> positions;
  for (const std::int64_t id : slice_image_ids)
    if (const auto i = scored.find(id); i != IdIndex::npos) positions.push_back(static_cast<std::uint32_t>(i));
  std::sort(positions.begin(), positions.end());
  positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
  if (positions.empty() || samples == 0) return std::nullopt;

  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, positions.size() - 1);
  std::vector<std::uint32_t> count(all.params.img_ids->size(), 0);
  EvalResult sample;
  sample.params = all.params;
  CategoryMatches cm;
  AccumulateScratch scratch;
  std::vector<double> aps;
  for (std::size_t s = 0; s < samples; ++s) {
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t n = 0; n < positions.size(); ++n) ++count[positions[pick(rng)]];
    sample.arrays = EvalArrays(e.T, e.R, e.K, e.A, e.M);
    for (std::size_t k = 0; k < e.K; ++k) {
      repeat_images(all.matches[k], count, e.A, e.T, cm);
      accumulate_category(cm, sample.params, k, sample.arrays, scratch);
    }
    const std::vector<SummaryItem> items = summarize(sample);
    if (!items.empty() && items.front().value > -1) aps.push_back(items.front().value);
  }
  if (aps.empty()) return std::nullopt;
  std::sort(aps.begin(), aps.end());
  return BootstrapInterval{percentile(aps, 2.5), percentile(aps, 97.5), aps.size()};
}

}  // namespace ds::coco
