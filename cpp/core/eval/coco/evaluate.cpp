#include "core/eval/coco/evaluate.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include "core/dataset/id_index.hpp"
#include "core/eval/coco/iou.hpp"
#include "core/util/error.hpp"

namespace ds::coco {
namespace {

std::vector<std::int64_t> sorted_unique(std::vector<std::int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Records grouped by (category k, image i) with a stable counting sort, so each group keeps
// file order (pycocotools' order within _gts[img, cat] and _dts[img, cat]).
template <class T>
struct Grouped {
  std::vector<const T*> items;            // grouped by k, then i; file order within a group
  std::vector<std::uint32_t> cat_begin;   // K + 1 offsets into items
  std::vector<std::uint32_t> image;       // image position of items[n]
};

template <class T, class KeyFn>
Grouped<T> group(std::span<const T> records, std::size_t n_cats, std::size_t n_images,
                 KeyFn key) {
  // key(record) -> {k, i, order-within-image} or k < 0 to drop. With use_cats off, the third
  // key orders an image's records by category first, as pycocotools concatenates them.
  struct Keyed {
    std::uint32_t k, i, sub;
    const T* rec;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(records.size());
  for (const T& r : records) {
    const auto [k, i, sub] = key(r);
    if (k >= 0 && i >= 0)
      keyed.push_back({static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(i),
                       static_cast<std::uint32_t>(sub), &r});
  }
  // LSD radix: by sub, then image, then category; each pass stable.
  const auto pass = [&](std::size_t buckets, auto field) {
    std::vector<std::uint32_t> count(buckets + 1, 0);
    for (const Keyed& e : keyed) ++count[field(e) + 1];
    for (std::size_t b = 0; b < buckets; ++b) count[b + 1] += count[b];
    std::vector<Keyed> out(keyed.size());
    for (const Keyed& e : keyed) out[count[field(e)]++] = e;
    keyed.swap(out);
    return count;
  };
  std::uint32_t max_sub = 0;
  for (const Keyed& e : keyed) max_sub = std::max(max_sub, e.sub);
  if (max_sub > 0) pass(max_sub + 1, [](const Keyed& e) { return e.sub; });
  pass(n_images, [](const Keyed& e) { return e.i; });
  pass(n_cats, [](const Keyed& e) { return e.k; });

  Grouped<T> g;
  g.items.reserve(keyed.size());
  g.image.reserve(keyed.size());
  g.cat_begin.assign(n_cats + 1, 0);
  for (const Keyed& e : keyed) {
    g.items.push_back(e.rec);
    g.image.push_back(e.i);
    ++g.cat_begin[e.k + 1];
  }
  for (std::size_t k = 0; k < n_cats; ++k) g.cat_begin[k + 1] += g.cat_begin[k];
  return g;
}

struct Worker {
  MatchScratch match;
  AccumulateScratch acc;
  CategoryMatches cm;
  std::vector<const Detection*> dts;
  std::vector<double> ious;
  std::vector<DtStatus> status;
};

void evaluate_category(std::size_t k, const Grouped<Annotation>& gts,
                       const Grouped<Detection>& dts, const Params& p, EvalArrays& out,
                       Worker& w) {
  const std::size_t A = p.area_rng.size(), T = p.iou_thrs.size();
  const auto max_det = static_cast<std::size_t>(std::max(p.max_dets.back(), 0));
  w.cm.reset(A, T);
  std::size_t gi = gts.cat_begin[k];
  std::size_t di = dts.cat_begin[k];
  const std::size_t g_end = gts.cat_begin[k + 1], d_end = dts.cat_begin[k + 1];
  while (gi < g_end || di < d_end) {
    // Next image (in id order) with ground truth or detections in this category.
    const std::uint32_t img = std::min(gi < g_end ? gts.image[gi] : UINT32_MAX,
                                       di < d_end ? dts.image[di] : UINT32_MAX);
    const std::size_t g0 = gi, d0 = di;
    while (gi < g_end && gts.image[gi] == img) ++gi;
    while (di < d_end && dts.image[di] == img) ++di;
    w.cm.has_images = true;

    w.dts.assign(dts.items.begin() + static_cast<std::ptrdiff_t>(d0),
                 dts.items.begin() + static_cast<std::ptrdiff_t>(di));
    std::stable_sort(w.dts.begin(), w.dts.end(),
                     [](const Detection* a, const Detection* b) { return a->score > b->score; });
    if (w.dts.size() > max_det) w.dts.resize(max_det);

    ImageGroup group;
    group.gts = std::span<const Annotation* const>(gts.items.data() + g0, gi - g0);
    group.dts = w.dts;
    const std::size_t n_gt = group.gts.size(), n_dt = group.dts.size();
    w.ious.resize(n_gt * n_dt);
    box_iou(group.dts, group.gts, w.ious);
    group.ious = w.ious;

    for (std::size_t d = 0; d < n_dt; ++d) {
      w.cm.scores.push_back(group.dts[d]->score);
      w.cm.rank.push_back(static_cast<std::uint32_t>(d));
    }
    w.status.resize(T * n_dt);
    for (std::size_t a = 0; a < A; ++a) {
      w.cm.counted_gt[a] += match_image(group, p.area_rng[a], p.iou_thrs, w.status, w.match);
      for (std::size_t t = 0; t < T; ++t) {
        auto& dst = w.cm.status[a * T + t];
        dst.insert(dst.end(), w.status.begin() + static_cast<std::ptrdiff_t>(t * n_dt),
                   w.status.begin() + static_cast<std::ptrdiff_t>((t + 1) * n_dt));
      }
    }
  }
  accumulate_category(w.cm, p, k, out, w.acc);
}

}  // namespace

void check_result_images(const Dataset& gt, std::span<const Detection> dts,
                         const std::string& source) {
  std::vector<std::int64_t> ids;
  ids.reserve(gt.images.size());
  for (const Image& im : gt.images) ids.push_back(im.id);
  const IdIndex index(sorted_unique(std::move(ids)));
  for (std::size_t n = 0; n < dts.size(); ++n)
    if (!index.contains(dts[n].image_id))
      throw Error(source + ": detection [" + std::to_string(n) + "]: image_id " +
                  std::to_string(dts[n].image_id) + " is not an image of the ground truth" +
                  (gt.source.empty() ? "" : " (" + gt.source + ")"));
}

EvalResult evaluate(const Dataset& gt, std::span<const Detection> dts, const Params& params,
                    int threads) {
  EvalResult result;
  Params& p = result.params;
  p = params;
  if (p.iou_thrs.empty() || p.rec_thrs.empty() || p.max_dets.empty() || p.area_rng.empty())
    throw Error("params: iouThrs, recThrs, maxDets and areaRng must not be empty");
  std::sort(p.max_dets.begin(), p.max_dets.end());
  if (p.img_ids.empty())
    for (const Image& im : gt.images) p.img_ids.push_back(im.id);
  p.img_ids = sorted_unique(std::move(p.img_ids));
  if (p.cat_ids.empty()) {
    for (const Category& c : gt.categories) p.cat_ids.push_back(c.id);
    p.cat_ids = sorted_unique(std::move(p.cat_ids));
  } else if (p.use_cats) {
    p.cat_ids = sorted_unique(std::move(p.cat_ids));
  }

  const IdIndex images(p.img_ids);
  // With use_cats off the category list only filters (and orders) records; K is 1.
  std::vector<std::int64_t> unique_cats = p.cat_ids;
  if (!p.use_cats) {
    std::vector<std::int64_t> seen;
    for (const std::int64_t c : p.cat_ids)
      if (std::find(seen.begin(), seen.end(), c) == seen.end()) seen.push_back(c);
    unique_cats = std::move(seen);
  }
  const IdIndex cats(unique_cats);
  const std::size_t K = p.use_cats ? p.cat_ids.size() : 1;
  const std::size_t I = p.img_ids.size();

  struct Key {
    std::int64_t k, i, sub;
  };
  const auto key_of = [&](std::int64_t image_id, std::int64_t category_id) -> Key {
    const std::int32_t c = cats.find(category_id);
    if (c == IdIndex::npos) return {-1, -1, 0};
    return p.use_cats ? Key{c, images.find(image_id), 0} : Key{0, images.find(image_id), c};
  };
  const auto gts = group<Annotation>(gt.annotations, K, I, [&](const Annotation& a) {
    return key_of(a.image_id, a.category_id);
  });
  const auto dets = group<Detection>(dts, K, I, [&](const Detection& d) {
    return key_of(d.image_id, d.category_id);
  });

  result.arrays = EvalArrays(p.iou_thrs.size(), p.rec_thrs.size(), K, p.area_rng.size(),
                             p.max_dets.size());
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t n_threads =
      std::min<std::size_t>(K, threads > 0 ? static_cast<std::size_t>(threads) : hw);
  std::atomic<std::size_t> next{0};
  const auto run = [&] {
    Worker w;
    for (std::size_t k = next++; k < K; k = next++)
      evaluate_category(k, gts, dets, p, result.arrays, w);
  };
  if (n_threads <= 1) {
    run();
  } else {
    std::vector<std::jthread> pool;
    for (std::size_t n = 0; n < n_threads; ++n) pool.emplace_back(run);
  }
  return result;
}

}  // namespace ds::coco
