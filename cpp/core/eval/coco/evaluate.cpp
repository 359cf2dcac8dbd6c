#include "core/eval/coco/evaluate.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/dataset/id_index.hpp"
#include "core/eval/coco/iou.hpp"
#include "core/eval/coco/masks.hpp"
#include "core/eval/coco/oks.hpp"
#include "core/eval/slices/slice_rules.hpp"
#include "core/mask/iou.hpp"
#include "core/util/error.hpp"

namespace ds::coco {
namespace {

// Records grouped by (category k, image i) with stable counting sorts, so each group keeps the
// order of the input (pycocotools' order within _gts[img, cat] and _dts[img, cat]).
// Records are copied, not pointed to: matching then reads each category's records from one
// block of memory instead of chasing pointers all over the input (cache misses were most of
// its time).
template <class T>
struct Grouped {
  std::vector<T> items;                   // grouped by k, then i; input order within a group
  std::vector<std::uint32_t> cat_begin;   // K + 1 offsets into items
  std::vector<std::uint32_t> image;       // image position of items[n]
  std::vector<std::uint32_t> source;      // items[n]'s index in the input (when asked for)
};

// `key(record, emit)` calls emit(k, i, sub) once per group the record belongs to (usually once,
// not at all to drop it). With use_cats off, `sub` orders an image's records by their category's
// position in catIds, as pycocotools concatenates them (a category listed twice, twice).
// With `base`, Grouped::source gives each item's index in the array at `base`.
template <class T, class At, class KeyFn>
Grouped<T> group(std::size_t n_records, At at, std::size_t n_cats, std::size_t n_images,
                 KeyFn key, const T* base = nullptr) {
  struct Keyed {
    std::uint32_t k, i, sub;
    const T* rec;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(n_records);
  for (std::size_t n = 0; n < n_records; ++n) {
    const T& r = at(n);
    key(r, [&](std::size_t k, std::size_t i, std::size_t sub) {
      keyed.push_back({static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(i),
                       static_cast<std::uint32_t>(sub), &r});
    });
  }
  // LSD radix: by sub, then image, then category; each pass stable.
  std::vector<Keyed> tmp(keyed.size());
  std::vector<std::uint32_t> count;
  const auto pass = [&](std::size_t buckets, auto field) {
    count.assign(buckets + 1, 0);
    for (const Keyed& e : keyed) ++count[field(e) + 1];
    for (std::size_t b = 0; b < buckets; ++b) count[b + 1] += count[b];
    for (const Keyed& e : keyed) tmp[count[field(e)]++] = e;
    keyed.swap(tmp);
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
    g.items.push_back(*e.rec);
    g.image.push_back(e.i);
    if (base) g.source.push_back(static_cast<std::uint32_t>(e.rec - base));
    ++g.cat_begin[e.k + 1];
  }
  for (std::size_t k = 0; k < n_cats; ++k) g.cat_begin[k + 1] += g.cat_begin[k];
  return g;
}

// The ground truth in the order pycocotools' _prepare sees it when annotation ids repeat:
// getAnnIds lists the annotations of the evaluated images (images in id order, file order within
// one, filtered by their own category when use_cats is on) and loadAnns looks each id up in a
// dict where the last annotation with that id won. So every annotation whose id repeats is
// replaced by the last one with that id, which may belong to another image or category. Empty
// when no id repeats (the usual case: then file order grouped by image is pycocotools' order).
std::vector<const Annotation*> duplicate_id_order(const Dataset& gt, const IdIndex& images,
                                                  const IdIndex& cats, bool use_cats) {
  std::unordered_map<std::int64_t, std::uint32_t> last;
  last.reserve(gt.annotations.size());
  bool repeats = false;
  for (std::size_t n = 0; n < gt.annotations.size(); ++n) {
    const auto [it, fresh] = last.try_emplace(gt.annotations[n].id, static_cast<std::uint32_t>(n));
    if (!fresh) {
      it->second = static_cast<std::uint32_t>(n);
      repeats = true;
    }
  }
  if (!repeats) return {};
  std::vector<std::uint32_t> order;
  for (std::size_t n = 0; n < gt.annotations.size(); ++n) {
    const Annotation& a = gt.annotations[n];
    if (images.contains(a.image_id) && (!use_cats || cats.contains(a.category_id)))
      order.push_back(static_cast<std::uint32_t>(n));
  }
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return images.find(gt.annotations[a].image_id) < images.find(gt.annotations[b].image_id);
  });
  std::vector<const Annotation*> out;
  out.reserve(order.size());
  for (const std::uint32_t n : order)
    out.push_back(&gt.annotations[last.at(gt.annotations[n].id)]);
  return out;
}

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// One bit per (category position k, image position i), for the federated rules: a bitset
// (LVIS val: 20,000 images x 1,203 categories, 3 MB), or a hash set when that would be large
// (a file with very many images and categories must not cost K x I bits).
class PairBits {
 public:
  PairBits() = default;
  PairBits(std::size_t k, std::size_t i) : images_(i) {
    if (k * i <= kMaxBits) words_.assign((k * i + 63) / 64, 0);
  }
  void set(std::size_t k, std::size_t i) {
    const std::size_t n = k * images_ + i;
    if (words_.empty()) sparse_.insert(n);
    else words_[n / 64] |= std::uint64_t{1} << (n % 64);
  }
  bool test(std::size_t k, std::size_t i) const {
    const std::size_t n = k * images_ + i;
    return words_.empty() ? sparse_.contains(n) : (words_[n / 64] >> (n % 64)) & 1;
  }

 private:
  static constexpr std::size_t kMaxBits = std::size_t{1} << 28;  // 32 MB
  std::size_t images_ = 0;
  std::vector<std::uint64_t> words_;
  std::unordered_set<std::size_t> sparse_;
};

// LVIS: which (category, image) pairs are evaluated (present or verified absent) and which are
// not exhaustively annotated, by position in params.cat_ids and params.img_ids.
struct FederatedPairs {
  PairBits evaluated, not_exhaustive;
};

struct Worker {
  MatchScratch match;
  AccumulateScratch acc;
  CategoryMatches cm;
  std::vector<const Detection*> dts;
  std::vector<const Annotation*> gts;
  std::vector<double> ious, boundary_ious;
  std::vector<const mask::Rle*> dt_masks, gt_masks, dt_boundaries, gt_boundaries;
  std::vector<std::uint8_t> crowd;
  std::vector<double> dt_areas;
  std::vector<double> oks_scratch;
  std::vector<std::uint8_t> gt_outside, dt_outside;  // Params::objects
  std::vector<CategoryMatches> slice_cm;              // Params::object_slices, this category
  std::vector<std::uint8_t> slice_gt_outside, slice_dt_outside;
};

// keypoints: each category position's OKS `vars` (empty for bbox and segm).
using CategoryVars = std::vector<std::vector<double>>;

// By descending score, ties in input order (pycocotools' mergesort of -score). An image has a
// handful of detections per category: insertion sort, no allocation.
void sort_by_score(std::vector<const Detection*>& dts) {
  for (std::size_t i = 1; i < dts.size(); ++i) {
    const Detection* d = dts[i];
    std::size_t j = i;
    for (; j > 0 && dts[j - 1]->score < d->score; --j) dts[j] = dts[j - 1];
    dts[j] = d;
  }
}

// Boundary IoU as faster-coco-eval (and the authors' cocoeval) combine it: against ground truth
// that is not a crowd region, the smaller of the mask IoU (in w.ious) and the boundaries' IoU;
// against a crowd region the mask IoU alone (its boundary says nothing about what it covers).
void boundary_iou(Worker& w, const ImageGroup& group, const Grouped<Annotation>& gts,
                  const Grouped<Detection>& dts, std::size_t g0, std::size_t g1, const RecordMasks& masks) {
  w.dt_boundaries.clear();
  for (const Detection* d : group.dts)
    w.dt_boundaries.push_back(&masks.dt_boundary[dts.source[static_cast<std::size_t>(d - dts.items.data())]]);
  w.gt_boundaries.clear();
  for (std::size_t n = g0; n < g1; ++n) w.gt_boundaries.push_back(&masks.gt_boundary[gts.source[n]]);
  w.boundary_ious.resize(w.ious.size());
  mask::iou(w.dt_boundaries, w.gt_boundaries, w.crowd, w.boundary_ious);
  const std::size_t n_gt = w.gt_boundaries.size();
  for (std::size_t i = 0; i < w.ious.size(); ++i)
    if (!w.crowd[i % n_gt]) w.ious[i] = std::min(w.ious[i], w.boundary_ious[i]);
}

// segm and boundary: the masks IoU is computed on (null for bbox).
void evaluate_category(std::size_t k, const Grouped<Annotation>& gts,
                       const Grouped<Detection>& dts, const Params& p, EvalArrays& out,
                       Worker& w, const RecordMasks* masks, const CategoryVars& vars,
                       const FederatedPairs* federated) {
  const std::size_t A = p.area_rng.size(), T = p.iou_thrs.size();
  const auto max_det = static_cast<std::size_t>(std::max(p.max_dets.back(), 0));
  w.cm.reset(A);
  w.slice_cm.resize(p.object_slices.size());
  for (CategoryMatches& cm : w.slice_cm) cm.reset(A);
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

    w.dts.clear();
    for (std::size_t n = d0; n < di; ++n) w.dts.push_back(&dts.items[n]);
    if (w.dts.size() > 32)
      std::stable_sort(w.dts.begin(), w.dts.end(),
                       [](const Detection* a, const Detection* b) { return a->score > b->score; });
    else
      sort_by_score(w.dts);
    if (w.dts.size() > max_det) w.dts.resize(max_det);

    w.gts.clear();
    for (std::size_t n = g0; n < gi; ++n) w.gts.push_back(&gts.items[n]);
    ImageGroup group;
    group.gts = w.gts;
    group.dts = w.dts;
    if (federated) {
      group.crowd_as_object = true;
      group.not_exhaustive = federated->not_exhaustive.test(k, img);
    }
    const std::size_t n_gt = group.gts.size(), n_dt = group.dts.size();
    w.ious.resize(n_gt * n_dt);
    if (masks) {
      w.dt_masks.clear();
      w.dt_areas.clear();
      for (const Detection* d : group.dts) {
        const std::uint32_t n = dts.source[static_cast<std::size_t>(d - dts.items.data())];
        w.dt_masks.push_back(masks->dt[n]);
        w.dt_areas.push_back(masks->dt_area[n]);
      }
      w.gt_masks.clear();
      w.crowd.clear();
      for (std::size_t n = g0; n < gi; ++n) {
        w.gt_masks.push_back(masks->gt[gts.source[n]]);
        w.crowd.push_back(gts.items[n].iscrowd && !federated);  // LVIS: crowd is an object
      }
      mask::iou(w.dt_masks, w.gt_masks, w.crowd, w.ious);
      if (p.iou_type == IouType::kBoundary) boundary_iou(w, group, gts, dts, g0, gi, *masks);
      group.dt_areas = w.dt_areas;
    } else if (p.iou_type == IouType::kKeypoints) {
      group.ignore_unlabelled = true;
      if (p.use_cats) {
        keypoint_oks(group.dts, group.gts, vars[k], w.ious, w.oks_scratch);
      } else {
        // pycocotools' computeOks reads _gts[imgId, -1] when useCats is off: nothing, so no
        // detection ever matches. Reproduced: no OKS reaches any threshold.
        std::fill(w.ious.begin(), w.ious.end(), -std::numeric_limits<double>::infinity());
      }
    } else {
      box_iou(group.dts, group.gts, w.ious, group.crowd_as_object);
    }
    group.ious = w.ious;
    if (p.objects) {
      w.gt_outside.clear();
      for (const Annotation* a : group.gts) w.gt_outside.push_back(!p.objects->annotation(*a));
      w.dt_outside.clear();
      for (std::size_t d = 0; d < n_dt; ++d)
        w.dt_outside.push_back(!p.objects->detection(
            *group.dts[d], group.dt_areas.empty() ? group.dts[d]->bbox.w * group.dts[d]->bbox.h : group.dt_areas[d]));
      group.gt_outside = w.gt_outside;
      group.dt_outside = w.dt_outside;
    }

    for (std::size_t d = 0; d < n_dt; ++d) {
      w.cm.scores.push_back(group.dts[d]->score);
      w.cm.rank.push_back(static_cast<std::uint32_t>(d));
    }
    const std::size_t first = w.cm.status.size();
    w.cm.status.resize(first + n_dt * A * T);
    const std::span<DtStatus> status(w.cm.status.data() + first, n_dt * A * T);
    for (std::size_t a = 0; a < A; ++a) {
      const std::size_t counted = match_image(group, p.area_rng[a], p.iou_thrs,
                                              // No detections: nothing is written (and a
                                              // subspan past an empty span's end is undefined).
                                              n_dt ? status.subspan(a * T) : status, A * T, w.match);
      w.cm.counted_gt[a] += counted;
      w.cm.group_gt.push_back(static_cast<std::uint32_t>(counted));
    }
    w.cm.group_image.push_back(img);
    w.cm.group_first.push_back(static_cast<std::uint32_t>(w.cm.scores.size()));

    // Each slice of the objects: the same group and IoUs, matched under its ignore rules.
    for (std::size_t s = 0; s < p.object_slices.size(); ++s) {
      const slices::ObjectFilter& filter = *p.object_slices[s];
      CategoryMatches& cm = w.slice_cm[s];
      cm.has_images = true;
      w.slice_gt_outside.clear();
      for (const Annotation* a : group.gts) w.slice_gt_outside.push_back(!filter.annotation(*a));
      w.slice_dt_outside.clear();
      for (std::size_t d = 0; d < n_dt; ++d)
        w.slice_dt_outside.push_back(!filter.detection(
            *group.dts[d], group.dt_areas.empty() ? group.dts[d]->bbox.w * group.dts[d]->bbox.h : group.dt_areas[d]));
      ImageGroup sliced = group;
      sliced.gt_outside = w.slice_gt_outside;
      sliced.dt_outside = w.slice_dt_outside;
      for (std::size_t d = 0; d < n_dt; ++d) {
        cm.scores.push_back(group.dts[d]->score);
        cm.rank.push_back(static_cast<std::uint32_t>(d));
      }
      const std::size_t at = cm.status.size();
      cm.status.resize(at + n_dt * A * T);
      const std::span<DtStatus> st(cm.status.data() + at, n_dt * A * T);
      for (std::size_t a = 0; a < A; ++a) {
        const std::size_t counted =
            match_image(sliced, p.area_rng[a], p.iou_thrs, n_dt ? st.subspan(a * T) : st, A * T, w.match);
        cm.counted_gt[a] += counted;
        cm.group_gt.push_back(static_cast<std::uint32_t>(counted));
      }
      cm.group_image.push_back(img);
      cm.group_first.push_back(static_cast<std::uint32_t>(cm.scores.size()));
    }
  }
  accumulate_category(w.cm, p, k, out, w.acc);
}

// keypoints: each evaluated category's OKS vars (its own sigmas, else kpt_oks_sigmas), after
// checking that they fit the category and that every record to compare has one x, y, v per
// sigma. The checks come before the worker threads, which must not throw.
CategoryVars keypoint_vars(const Dataset& gt, std::span<const Detection> dts, const Params& p,
                           const IdIndex& images) {
  const std::vector<std::int64_t>& cat_ids = *p.cat_ids;
  std::unordered_map<std::int64_t, const Category*> categories;
  for (const Category& c : gt.categories) categories.try_emplace(c.id, &c);
  std::unordered_map<std::int64_t, std::size_t> sigma_count;
  CategoryVars out;
  for (const std::int64_t id : cat_ids) {
    const std::vector<double>* sigmas = &p.kpt_oks_sigmas;
    for (const auto& [cat, own] : p.kpt_oks_sigmas_by_category)
      if (cat == id) sigmas = &own;
    const auto c = categories.find(id);
    const std::string name = "category " + (c != categories.end() ? "'" + c->second->name + "' (id " + std::to_string(id) + ")"
                                                                  : std::to_string(id));
    if (sigmas->empty()) throw Error("params: kpt_oks_sigmas is empty (" + name + " needs one sigma per keypoint)");
    if (c != categories.end() && !c->second->keypoint_names.empty() &&
        c->second->keypoint_names.size() != sigmas->size())
      throw Error("params: " + name + " has " + std::to_string(c->second->keypoint_names.size()) +
                  " keypoints but its sigmas (kpt_oks_sigmas) are " + std::to_string(sigmas->size()) +
                  ": give the category sigmas of its own");
    sigma_count[id] = sigmas->size();
    out.push_back(oks_vars(*sigmas));
  }
  const auto expected = [&](std::int64_t image_id, std::int64_t category_id) -> std::size_t {
    if (!images.contains(image_id)) return 0;
    const auto it = sigma_count.find(category_id);
    return it == sigma_count.end() ? 0 : 3 * it->second;
  };
  for (const Annotation& a : gt.annotations) {
    const std::size_t n = expected(a.image_id, a.category_id);
    if (n && !a.keypoints.empty() && a.keypoints.size() != n)
      throw Error("annotation (id " + std::to_string(a.id) + "): 'keypoints': " + std::to_string(a.keypoints.size()) +
                  " values, expected " + std::to_string(n) + " (x, y, v for each of the category's sigmas)");
  }
  for (std::size_t i = 0; i < dts.size(); ++i) {
    const std::size_t n = expected(dts[i].image_id, dts[i].category_id);
    if (n && dts[i].keypoints.size() != n)
      throw Error("detection [" + std::to_string(i) + "]: 'keypoints': " +
                  (dts[i].keypoints.empty() ? std::string("missing")
                                            : std::to_string(dts[i].keypoints.size()) + " values") +
                  ", expected " + std::to_string(n) + " (x, y, v for each of the category's sigmas)");
  }
  return out;
}

// LVIS' _prepare: an image's positive categories are those of its ground truth (as grouped:
// evaluated images and categories), its negative ones its neg_category_ids; its
// not_exhaustive_category_ids are kept for matching. lvis-api fails on an image without the
// lists (KeyError): so do we, naming it.
FederatedPairs federated_pairs(const Dataset& gt, const Grouped<Annotation>& gts, const IdIndex& images,
                               const IdIndex& cats, std::size_t K, std::size_t I) {
  FederatedPairs f{PairBits(K, I), PairBits(K, I)};
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t n = gts.cat_begin[k]; n < gts.cat_begin[k + 1]; ++n) f.evaluated.set(k, gts.image[n]);
  for (const Image& im : gt.images) {
    const std::int32_t i = images.find(im.id);
    if (i == IdIndex::npos) continue;
    if (!im.neg_category_ids || !im.not_exhaustive_category_ids)
      throw Error(gt.source + ": image " + std::to_string(im.id) + ": no '" +
                  (im.neg_category_ids ? "not_exhaustive_category_ids" : "neg_category_ids") +
                  "' (LVIS evaluation needs both lists on every image: is this an LVIS file?)");
    for (const std::int64_t c : *im.neg_category_ids)
      if (const std::int32_t k = cats.find(c); k != IdIndex::npos)
        f.evaluated.set(static_cast<std::size_t>(k), static_cast<std::size_t>(i));
    for (const std::int64_t c : *im.not_exhaustive_category_ids)
      if (const std::int32_t k = cats.find(c); k != IdIndex::npos)
        f.not_exhaustive.set(static_cast<std::size_t>(k), static_cast<std::size_t>(i));
  }
  return f;
}

}  // namespace

bool has_duplicate_annotation_ids(const Dataset& gt) {
  std::vector<std::int64_t> ids;
  ids.reserve(gt.annotations.size());
  for (const Annotation& a : gt.annotations) ids.push_back(a.id);
  std::sort(ids.begin(), ids.end());
  return std::adjacent_find(ids.begin(), ids.end()) != ids.end();
}

EvalResult evaluate(const Dataset& gt, std::span<const Detection> dts, const Params& params,
                    int threads, bool keep_matches) {
  EvalResult result;
  Params& p = result.params;
  p = params;
  if (p.iou_thrs.empty() || p.rec_thrs.empty() || p.max_dets.empty() || p.area_rng.empty())
    throw Error("params: iouThrs, recThrs, maxDets and areaRng must not be empty");
  for (const int m : p.max_dets)
    if (m < 0) throw Error("params: maxDets must not be negative (got " + std::to_string(m) + ")");
  if (p.iou_type == IouType::kBoundary && !(p.boundary_dilation_ratio > 0 && p.boundary_dilation_ratio < 1))
    throw Error("params: boundary_dilation_ratio must be above 0 and below 1 (got " +
                std::to_string(p.boundary_dilation_ratio) + ")");
  std::sort(p.max_dets.begin(), p.max_dets.end());
  if (!p.img_ids) {
    p.img_ids.emplace();
    for (const Image& im : gt.images) p.img_ids->push_back(im.id);
  }
  p.img_ids = sorted_unique(std::move(*p.img_ids));
  const bool keypoints = p.iou_type == IouType::kKeypoints;
  if (!p.cat_ids) {
    p.cat_ids.emplace();
    // keypoints: the categories that have keypoints (pycocotools takes every category, and
    // fails on one whose annotations have none).
    for (const Category& c : gt.categories)
      if (!keypoints || !c.keypoint_names.empty()) p.cat_ids->push_back(c.id);
    p.cat_ids = sorted_unique(std::move(*p.cat_ids));
  } else if (p.use_cats) {
    p.cat_ids = sorted_unique(std::move(*p.cat_ids));
  }
  const std::vector<std::int64_t>& cat_ids = *p.cat_ids;
  if (p.federated && !p.use_cats) throw Error("params: LVIS' federated evaluation needs use_cats");

  const IdIndex images(*p.img_ids);
  // With use_cats off the category list only filters and orders records (K is 1); a category
  // listed twice brings its records twice, as pycocotools' list comprehension does.
  std::vector<std::int64_t> unique_cats = sorted_unique(cat_ids);
  const IdIndex cats(unique_cats);
  std::vector<std::vector<std::uint32_t>> positions(unique_cats.size());
  for (std::size_t n = 0; n < cat_ids.size(); ++n)
    positions[static_cast<std::size_t>(cats.find(cat_ids[n]))].push_back(static_cast<std::uint32_t>(n));
  const std::size_t K = p.use_cats ? cat_ids.size() : 1;
  const std::size_t I = p.img_ids->size();
  const CategoryVars vars = keypoints && p.use_cats ? keypoint_vars(gt, dts, p, images) : CategoryVars{};

  const auto key_of = [&](std::int64_t image_id, std::int64_t category_id, auto emit) {
    const std::int32_t c = cats.find(category_id);
    const std::int32_t i = images.find(image_id);
    if (c == IdIndex::npos || i == IdIndex::npos) return;
    if (p.use_cats) {
      emit(static_cast<std::size_t>(c), static_cast<std::size_t>(i), 0);
    } else {
      for (const std::uint32_t pos : positions[static_cast<std::size_t>(c)])
        emit(0, static_cast<std::size_t>(i), pos);
    }
  };
  // LVIS: lvis-api lists the records to evaluate with get_ann_ids(img_ids, cat_ids), which keeps
  // only areas strictly between 0 and infinity: ground truth and results of area 0 (an empty
  // mask, a box of zero width) are not evaluated at all.
  const auto gt_key = [&](const Annotation& a, auto emit) {
    if (p.federated && !(a.area > 0 && a.area < kInfinity)) return;
    key_of(a.image_id, a.category_id, emit);
  };
  const std::vector<const Annotation*> reordered = duplicate_id_order(gt, images, cats, p.use_cats);
  const bool segm = p.iou_type == IouType::kSegm || p.iou_type == IouType::kBoundary;  // masks
  const Annotation* gt_base = segm ? gt.annotations.data() : nullptr;
  const auto gts = reordered.empty()
      ? group<Annotation>(gt.annotations.size(), [&](std::size_t n) -> const Annotation& { return gt.annotations[n]; },
                          K, I, gt_key, gt_base)
      : group<Annotation>(reordered.size(), [&](std::size_t n) -> const Annotation& { return *reordered[n]; },
                          K, I, gt_key, gt_base);
  std::optional<FederatedPairs> federated;
  if (p.federated) federated = federated_pairs(gt, gts, images, cats, K, I);
  const auto dets = group<Detection>(dts.size(), [&](std::size_t n) -> const Detection& { return dts[n]; }, K, I,
                                     [&](const Detection& d, auto emit) {
                                       if (!federated) return key_of(d.image_id, d.category_id, emit);
                                       const double area = d.mask_area >= 0 ? d.mask_area : d.bbox.w * d.bbox.h;
                                       if (!(area > 0 && area < kInfinity)) return;
                                       // LVIS: a detection counts only where its category's
                                       // presence or absence on the image is known.
                                       key_of(d.image_id, d.category_id, [&](std::size_t k, std::size_t i, std::size_t sub) {
                                         if (federated->evaluated.test(k, i)) emit(k, i, sub);
                                       });
                                     },
                                     segm ? dts.data() : nullptr);
  std::optional<RecordMasks> masks;
  if (segm)
    masks = record_masks(gt, dts, [&](std::int64_t image_id, std::int64_t category_id) {
      return images.contains(image_id) && cats.contains(category_id);
    }, threads);
  if (p.iou_type == IouType::kBoundary) add_boundaries(*masks, p.boundary_dilation_ratio, threads);

  result.arrays = EvalArrays(p.iou_thrs.size(), p.rec_thrs.size(), K, p.area_rng.size(),
                             p.max_dets.size());
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t n_threads =
      std::min<std::size_t>(K, threads > 0 ? static_cast<std::size_t>(threads) : hw);
  if (keep_matches) result.matches.resize(K);
  if (keep_matches) result.object_matches.assign(p.object_slices.size(), std::vector<CategoryMatches>(K));
  std::atomic<std::size_t> next{0};
  const auto run = [&] {
    Worker w;
    for (std::size_t k = next++; k < K; k = next++) {
      evaluate_category(k, gts, dets, p, result.arrays, w, masks ? &*masks : nullptr, vars,
                        federated ? &*federated : nullptr);
      // Each category has its own slot: no two threads write the same one.
      if (keep_matches) {
        result.matches[k] = std::move(w.cm);
        for (std::size_t s = 0; s < w.slice_cm.size(); ++s) result.object_matches[s][k] = std::move(w.slice_cm[s]);
      }
    }
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
