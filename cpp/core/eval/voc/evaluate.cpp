#include "core/eval/voc/evaluate.hpp"

#include <algorithm>

#include "core/dataset/id_index.hpp"
#include "core/eval/coco/numpy_compat.hpp"
#include "core/eval/voc/matching.hpp"

namespace ds::voc {
Result evaluate(const Dataset& gt, std::span<const Detection> dts, const Params& params) {
  Result r;
  r.params = params;
  if (!r.params.img_ids) {
    r.params.img_ids.emplace();
    for (const Image& im : gt.images) r.params.img_ids->push_back(im.id);
  }
  r.params.img_ids = sorted_unique(std::move(*r.params.img_ids));
  std::vector<std::int64_t> cat_ids;
  for (const Category& c : gt.categories) cat_ids.push_back(c.id);
  cat_ids = sorted_unique(std::move(cat_ids));
  const IdIndex images(*r.params.img_ids), cats(cat_ids);
  const std::size_t K = cat_ids.size(), I = r.params.img_ids->size();

  r.classes.resize(K);
  for (std::size_t k = 0; k < K; ++k) {
    r.classes[k].category_id = cat_ids[k];
    r.classes[k].name = std::to_string(cat_ids[k]);
  }
  for (const Category& c : gt.categories) r.classes[static_cast<std::size_t>(cats.find(c.id))].name = c.name;

  // Ground truth by class, then image (file order within one).
  std::vector<std::vector<const Annotation*>> gts(K * I);
  for (const Annotation& a : gt.annotations) {
    const auto k = cats.find(a.category_id), i = images.find(a.image_id);
    if (k == IdIndex::npos || i == IdIndex::npos) continue;
    gts[static_cast<std::size_t>(k) * I + static_cast<std::size_t>(i)].push_back(&a);
    if (!a.difficult && !a.iscrowd) ++r.classes[static_cast<std::size_t>(k)].gt;
  }
  std::vector<std::vector<const Detection*>> dts_of(K);
  for (const Detection& d : dts) {
    const auto k = cats.find(d.category_id), i = images.find(d.image_id);
    if (k == IdIndex::npos || i == IdIndex::npos) continue;
    dts_of[static_cast<std::size_t>(k)].push_back(&d);
  }

  std::vector<double> aps;
  std::vector<std::span<const Annotation* const>> gts_of_image(I);
  for (std::size_t k = 0; k < K; ++k) {
    ClassResult& c = r.classes[k];
    // Ranked by descending score; ties keep input order (the devkit's argsort leaves it open).
    std::vector<const Detection*>& ranked = dts_of[k];
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const Detection* a, const Detection* b) { return a->score > b->score; });
    std::vector<std::uint32_t> ranked_image(ranked.size());
    for (std::size_t d = 0; d < ranked.size(); ++d)
      ranked_image[d] = static_cast<std::uint32_t>(images.find(ranked[d]->image_id));
    for (std::size_t i = 0; i < I; ++i) gts_of_image[i] = gts[k * I + i];
    c.detections = ranked.size();
    if (c.gt == 0) continue;

    const std::vector<DtOutcome> outcome =
        match_class({gts_of_image, ranked, ranked_image}, r.params.iou_threshold);
    std::vector<double> recall, precision;
    double tp = 0, fp = 0;
    for (const DtOutcome o : outcome) {
      // The devkit keeps such a row with tp = fp = 0: it repeats the previous point (or adds
      // (0, 0) first), which changes neither interpolation; leaving it out is the same.
      if (o == DtOutcome::kIgnored) continue;
      tp += o == DtOutcome::kTruePositive;
      fp += o == DtOutcome::kFalsePositive;
      recall.push_back(tp / static_cast<double>(c.gt));
      // np.maximum(tp + fp, eps): only matters when both are 0, which the skip above avoids.
      precision.push_back(tp / std::max(tp + fp, 2.220446049250313e-16));
    }
    c.true_positives = static_cast<std::size_t>(tp);
    c.ap = average_precision(recall, precision, r.params.interpolation);
    aps.push_back(c.ap);
  }
  if (!aps.empty()) r.map = coco::numpy_mean(aps);
  return r;
}

}  // namespace ds::voc
