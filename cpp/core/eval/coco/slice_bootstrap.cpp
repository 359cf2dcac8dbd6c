#include "core/eval/coco/slice_bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/dataset/id_index.hpp"
#include "core/eval/coco/accumulate.hpp"
#include "core/eval/coco/numpy_compat.hpp"
#include "core/util/error.hpp"

namespace ds::coco {
namespace {

// keep_images with multiplicity, reduced to one area range (`area`): image i's groups
// `count[i]` times, in image order (so an image drawn twice is two images with the same boxes, as
// a resampled dataset would hold).
void repeat_images(const CategoryMatches& all, std::span<const std::uint32_t> count, std::size_t A, std::size_t area,
                   std::size_t T, CategoryMatches& out) {
  out.reset(1);
  const std::size_t AT = A * T;
  for (std::size_t g = 0; g < all.group_image.size(); ++g) {
    const std::uint32_t n = count[all.group_image[g]];
    const std::size_t d0 = all.group_first[g], d1 = all.group_first[g + 1];
    for (std::uint32_t copy = 0; copy < n; ++copy) {
      out.has_images = true;
      out.scores.insert(out.scores.end(), all.scores.begin() + d0, all.scores.begin() + d1);
      out.rank.insert(out.rank.end(), all.rank.begin() + d0, all.rank.begin() + d1);
      for (std::size_t d = d0; d < d1; ++d)
        out.status.insert(out.status.end(), all.status.begin() + d * AT + area * T,
                          all.status.begin() + d * AT + (area + 1) * T);
      out.counted_gt[0] += all.group_gt[g * A + area];
      out.group_image.push_back(all.group_image[g]);
      out.group_first.push_back(static_cast<std::uint32_t>(out.scores.size()));
      out.group_gt.push_back(all.group_gt[g * A + area]);
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
                                                    std::size_t samples, std::uint64_t seed,
                                                    const std::vector<CategoryMatches>* matches) {
  const EvalArrays& e = all.arrays;
  const std::vector<CategoryMatches>& kept = matches ? *matches : all.matches;
  if (kept.size() != e.K) throw Error("slices: the evaluation kept no matches (internal error)");
  const IdIndex scored(*all.params.img_ids);
  std::vector<std::uint32_t> positions;
  for (const std::int64_t id : slice_image_ids)
    if (const auto i = scored.find(id); i != IdIndex::npos) positions.push_back(static_cast<std::uint32_t>(i));
  std::sort(positions.begin(), positions.end());
  positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
  if (positions.empty() || samples == 0) return std::nullopt;

  // The first COCO number is AP over every IoU threshold, area "all", the largest maxDets
  // (summarize's first item, keypoints' too): only that area range and maxDets are accumulated.
  std::size_t area = 0;
  for (std::size_t a = 0; a < all.params.area_lbl.size() && a < e.A; ++a)
    if (all.params.area_lbl[a] == "all") {
      area = a;
      break;
    }
  Params one = all.params;
  one.area_rng = {all.params.area_rng[area]};
  one.area_lbl = {"all"};
  one.max_dets = {all.params.max_dets.back()};

  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, positions.size() - 1);
  std::vector<std::uint32_t> count(all.params.img_ids->size(), 0);
  EvalArrays arrays(e.T, e.R, e.K, 1, 1);
  CategoryMatches cm;
  AccumulateScratch scratch;
  std::vector<double> aps, valid;
  for (std::size_t s = 0; s < samples; ++s) {
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t n = 0; n < positions.size(); ++n) ++count[positions[pick(rng)]];
    std::fill(arrays.precision.begin(), arrays.precision.end(), -1.0);
    std::fill(arrays.recall.begin(), arrays.recall.end(), -1.0);
    std::fill(arrays.scores.begin(), arrays.scores.end(), -1.0);
    for (std::size_t k = 0; k < e.K; ++k) {
      repeat_images(kept[k], count, e.A, area, e.T, cm);
      accumulate_category(cm, one, k, arrays, scratch);
    }
    // pycocotools' _summarize: np.mean of the cells > -1, in C order (t, r, k: the layout here).
    valid.clear();
    for (const double v : arrays.precision)
      if (v > -1) valid.push_back(v);
    if (!valid.empty()) aps.push_back(numpy_mean(valid));
  }
  if (aps.empty()) return std::nullopt;
  std::sort(aps.begin(), aps.end());
  return BootstrapInterval{percentile(aps, 2.5), percentile(aps, 97.5), aps.size()};
}

}  // namespace ds::coco
