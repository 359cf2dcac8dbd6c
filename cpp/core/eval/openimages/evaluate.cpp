#include "core/eval/openimages/evaluate.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <thread>

#include "core/dataset/id_index.hpp"
#include "core/dataset/open_images.hpp"
#include "core/eval/coco/numpy_compat.hpp"
#include "core/eval/openimages/average_precision.hpp"
#include "core/eval/openimages/hierarchy.hpp"
#include "core/eval/openimages/matching.hpp"

namespace fs = std::filesystem;

namespace ds::openimages {
namespace {

// The reference's cap: non_max_suppression at IoU 1.0 keeps the first 10,000 by score.
constexpr std::size_t kMaxPerClass = 10000;

NormBox normalised(const Box& b, const Image& im) {
  // Pixels when the size is known; the openimages format without images keeps them normalised.
  const double W = im.width > 0 ? im.width : 1.0, H = im.height > 0 ? im.height : 1.0;
  return {b.y / H, b.x / W, (b.y + b.h) / H, (b.x + b.w) / W};
}

void append(std::vector<std::uint32_t>& v, std::span<const std::uint32_t> more) {
  v.insert(v.end(), more.begin(), more.end());
}

struct ImageGt {
  std::vector<std::pair<std::uint32_t, GtBox>> boxes;  // (class, box) in expanded file order
  std::vector<std::uint32_t> verified;                 // sorted, unique
};

}  // namespace

Result evaluate(const Dataset& gt, std::span<const Detection> dts, const Params& params) {
  std::vector<std::int64_t> img_ids;
  if (params.img_ids) {
    img_ids = sorted_unique(*params.img_ids);
  } else {
    for (const Image& im : gt.images) img_ids.push_back(im.id);
    img_ids = sorted_unique(std::move(img_ids));
  }
  std::vector<std::int64_t> cat_ids;
  for (const Category& c : gt.categories) cat_ids.push_back(c.id);
  cat_ids = sorted_unique(std::move(cat_ids));
  const IdIndex images(img_ids), cats(cat_ids);
  const std::size_t K = cat_ids.size(), I = img_ids.size();
  const OpenImagesInfo* info = gt.open_images.get();

  Result r;
  r.classes.resize(K);
  for (std::size_t k = 0; k < K; ++k) r.classes[k].category_id = cat_ids[k];
  for (const Category& c : gt.categories) {
    ClassResult& cr = r.classes[static_cast<std::size_t>(cats.find(c.id))];
    cr.name = c.name;
    cr.label_name = c.name;
    if (info)
      if (const auto it = info->label_name.find(c.id); it != info->label_name.end()) cr.label_name = it->second;
  }
  const ClassHierarchy h = class_hierarchy(gt, cats, K);
  const bool expand_detections = info && info->expand_detections;

  // Each image's ImageID (its file name without extension for other formats): the reference
  // meets images in ImageID order, which orders equal scores across images.
  std::vector<const Image*> image_of(I, nullptr);
  for (const Image& im : gt.images)
    if (const auto i = images.find(im.id); i != IdIndex::npos) image_of[static_cast<std::size_t>(i)] = &im;
  std::vector<std::string> key(I);
  for (std::size_t i = 0; i < I; ++i) {
    if (!image_of[i]) continue;
    key[i] = fs::path(image_of[i]->file_name).replace_extension().string();
    if (info)
      if (const auto it = info->image_key.find(img_ids[i]); it != info->image_key.end()) key[i] = it->second;
  }

  // Ground truth per image, expanded: a box and its copies for every ancestor, in file order.
  std::vector<ImageGt> image_gt(I);
  std::vector<double> num_gt(K, 0.0);
  for (const Annotation& a : gt.annotations) {
    const auto k = cats.find(a.category_id), i = images.find(a.image_id);
    if (k == IdIndex::npos || i == IdIndex::npos) continue;
    ImageGt& g = image_gt[static_cast<std::size_t>(i)];
    const GtBox box{normalised(a.bbox, *image_of[static_cast<std::size_t>(i)]), a.iscrowd};
    const auto add = [&](std::uint32_t c) {
      g.boxes.emplace_back(c, box);
      g.verified.push_back(c);
      num_gt[c] += 1.0;  // a group-of box counts once (group_of_weight 1)
    };
    add(static_cast<std::uint32_t>(k));
    for (const std::uint32_t p : h.ancestors[static_cast<std::size_t>(k)]) add(p);
  }
  if (info)
    for (const ImageLevelLabel& l : info->labels) {
      const auto k = cats.find(l.category_id), i = images.find(l.image_id);
      if (k == IdIndex::npos || i == IdIndex::npos) continue;
      std::vector<std::uint32_t>& v = image_gt[static_cast<std::size_t>(i)].verified;
      v.push_back(static_cast<std::uint32_t>(k));
      append(v, l.present ? h.ancestors[static_cast<std::size_t>(k)] : h.descendants[static_cast<std::size_t>(k)]);
    }
  for (ImageGt& g : image_gt) {
    std::sort(g.verified.begin(), g.verified.end());
    g.verified.erase(std::unique(g.verified.begin(), g.verified.end()), g.verified.end());
  }

  // Detections per image, in their given order.
  std::vector<std::vector<const Detection*>> dts_of(I);
  for (const Detection& d : dts) {
    const auto i = images.find(d.image_id);
    if (i == IdIndex::npos || cats.find(d.category_id) == IdIndex::npos) continue;
    dts_of[static_cast<std::size_t>(i)].push_back(&d);
  }

  // Each image on its own (any thread): its records per class.
  std::vector<std::vector<std::pair<std::uint32_t, std::vector<Record>>>> records(I);
  const auto score_image = [&](std::size_t i) {
    if (dts_of[i].empty()) return;
    const ImageGt& g = image_gt[i];
    std::vector<std::pair<std::uint32_t, ScoredBox>> kept;  // (class, detection) in order
    for (const Detection* d : dts_of[i]) {
      const ScoredBox sb{normalised(d->bbox, *image_of[i]), d->score};
      // _remove_invalid_boxes: zero or negative size.
      if (!(sb.box.y0 < sb.box.y1 && sb.box.x0 < sb.box.x1)) continue;
      const auto k = static_cast<std::uint32_t>(cats.find(d->category_id));
      const auto keep = [&](std::uint32_t c) {
        if (std::binary_search(g.verified.begin(), g.verified.end(), c)) kept.emplace_back(c, sb);
      };
      keep(k);
      if (expand_detections)
        for (const std::uint32_t p : h.ancestors[k]) keep(p);
    }
    if (kept.empty()) return;
    // By class (stable: each class's detections keep their order), then each class's run.
    std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<GtBox> class_gt;
    std::vector<ScoredBox> class_dts;
    for (std::size_t s = 0; s < kept.size();) {
      const std::uint32_t c = kept[s].first;
      std::size_t e = s;
      while (e < kept.size() && kept[e].first == c) ++e;
      class_dts.clear();
      for (std::size_t j = s; j < e; ++j) class_dts.push_back(kept[j].second);
      // np.argsort(scores)[::-1], stable: descending, equal scores later record first.
      std::stable_sort(class_dts.begin(), class_dts.end(),
                       [](const ScoredBox& a, const ScoredBox& b) { return a.score < b.score; });
      std::reverse(class_dts.begin(), class_dts.end());
      if (class_dts.size() > kMaxPerClass) class_dts.resize(kMaxPerClass);
      class_gt.clear();
      for (const auto& [gc, box] : g.boxes)
        if (gc == c) class_gt.push_back(box);
      std::vector<Record> out;
      match_image_class(class_dts, class_gt, out);
      if (!out.empty()) records[i].emplace_back(c, std::move(out));
      s = e;
    }
  };
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t n_threads = std::min<std::size_t>(std::max<std::size_t>(I, 1), params.threads > 0 ? static_cast<std::size_t>(params.threads) : hw);
  if (n_threads <= 1) {
    for (std::size_t i = 0; i < I; ++i) score_image(i);
  } else {
    std::atomic<std::size_t> next{0};
    const auto run = [&] {
      for (std::size_t i; (i = next.fetch_add(64)) < I;)
        for (std::size_t j = i; j < std::min(i + 64, I); ++j) score_image(j);
    };
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < n_threads; ++t) pool.emplace_back(run);
  }

  // Each class's records, images in ImageID order (pandas' groupby), then its AP.
  std::vector<std::size_t> order(I);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key[a] < key[b]; });
  std::vector<std::vector<Record>> per_class(K);
  for (const std::size_t i : order)
    for (auto& [c, recs] : records[i]) per_class[c].insert(per_class[c].end(), recs.begin(), recs.end());

  std::vector<double> aps(K, 0.0);  // np.nanmean: NaN as 0 in the sum, divided by the count
  std::size_t counted = 0;
  for (std::size_t k = 0; k < K; ++k) {
    ClassResult& c = r.classes[k];
    c.gt = num_gt[k];
    c.detections = per_class[k].size();
    for (const Record& rec : per_class[k]) c.true_positives += rec.true_positive;
    if (num_gt[k] == 0) continue;
    c.ap = average_precision(per_class[k], num_gt[k]);
    aps[k] = c.ap;
    ++counted;
  }
  if (counted > 0) r.map = coco::pairwise_sum(aps) / static_cast<double>(counted);
  return r;
}

}  // namespace ds::openimages
