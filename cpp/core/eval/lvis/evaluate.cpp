#include "core/eval/lvis/evaluate.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "core/dataset/id_index.hpp"
#include "core/eval/coco/numpy_compat.hpp"
#include "core/util/error.hpp"

namespace ds::lvis {

constexpr int kMaxDets = 300;  // LVIS' official detections per image

coco::Params params(coco::IouType type) {
  coco::Params p = coco::Params::defaults(type);
  // One maxDets: lvis-api caps the results per image (LVISResults), never per image and
  // category, so COCO's per-group cap at the same 300 never bites after limit_per_image.
  p.max_dets = {kMaxDets};
  p.federated = true;
  return p;
}

std::optional<std::vector<Detection>> limit_per_image(std::span<const Detection> dts, std::size_t max_dets) {
  // Counted first: results files usually hold at most the cap per image, and then nothing is
  // sorted or copied.
  std::unordered_map<std::int64_t, std::size_t> count;
  for (const Detection& d : dts) ++count[d.image_id];
  if (std::none_of(count.begin(), count.end(), [&](const auto& c) { return c.second > max_dets; }))
    return std::nullopt;
  std::unordered_map<std::int64_t, std::vector<std::uint32_t>> by_image;
  for (std::size_t n = 0; n < dts.size(); ++n)
    if (count[dts[n].image_id] > max_dets) by_image[dts[n].image_id].push_back(static_cast<std::uint32_t>(n));
  std::vector<std::uint8_t> keep;
  for (auto& [image, list] : by_image) {
    if (keep.empty()) keep.assign(dts.size(), 1);
    // Python's sorted(reverse=True) is stable: equal scores keep their input order.
    std::stable_sort(list.begin(), list.end(), [&](std::uint32_t a, std::uint32_t b) { return dts[a].score > dts[b].score; });
    for (std::size_t i = max_dets; i < list.size(); ++i) keep[list[i]] = 0;
  }
  if (keep.empty()) return std::nullopt;
  // lvis-api regroups the list by image too; within an (image, category) group the order it
  // leaves is still input order among equal scores, and evaluation sorts each group by score
  // (stably), so input order gives the same evaluation.
  std::vector<Detection> out;
  out.reserve(dts.size());
  for (std::size_t n = 0; n < dts.size(); ++n)
    if (keep[n]) out.push_back(dts[n]);
  return out;
}

namespace {

// lvis-api's get_ann_ids keeps areas in (0, inf) only (coco::evaluate applies it too).
bool evaluated_area(double area) { return area > 0 && area < std::numeric_limits<double>::infinity(); }

// Each category's ground truth and evaluated detections, for the per-class table.
void count_records(const Dataset& gt, std::span<const Detection> dts, Result& r) {
  const coco::Params& p = r.eval.params;
  const IdIndex cats(*p.cat_ids);
  const IdIndex images(*p.img_ids);
  const std::size_t K = p.cat_ids->size();
  r.gt_count.assign(K, 0);
  r.dt_count.assign(K, 0);
  std::vector<std::vector<std::uint32_t>> evaluated_on(K);  // image positions where k is known
  const auto at = [](std::int32_t n) { return static_cast<std::size_t>(n); };
  for (const Annotation& a : gt.annotations) {
    const auto k = cats.find(a.category_id), i = images.find(a.image_id);
    if (k == IdIndex::npos || i == IdIndex::npos || !evaluated_area(a.area)) continue;
    ++r.gt_count[at(k)];
    evaluated_on[at(k)].push_back(static_cast<std::uint32_t>(i));
  }
  for (const Image& im : gt.images)
    if (const auto i = images.find(im.id); i != IdIndex::npos && im.neg_category_ids)
      for (const std::int64_t c : *im.neg_category_ids)
        if (const auto k = cats.find(c); k != IdIndex::npos) evaluated_on[at(k)].push_back(static_cast<std::uint32_t>(i));
  for (auto& list : evaluated_on) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  for (const Detection& d : dts) {
    const auto k = cats.find(d.category_id), i = images.find(d.image_id);
    if (k == IdIndex::npos || i == IdIndex::npos || !evaluated_area(d.mask_area >= 0 ? d.mask_area : d.bbox.w * d.bbox.h))
      continue;
    const auto& list = evaluated_on[at(k)];
    if (std::binary_search(list.begin(), list.end(), static_cast<std::uint32_t>(i))) ++r.dt_count[at(k)];
  }
}

}  // namespace

Result evaluate(const Dataset& gt, std::span<const Detection> dts, coco::IouType type,
                const std::optional<std::vector<std::int64_t>>& img_ids, int threads) {
  coco::Params p = params(type);
  p.img_ids = img_ids;
  const std::optional<std::vector<Detection>> capped = limit_per_image(dts, kMaxDets);
  const std::span<const Detection> kept = capped ? std::span<const Detection>(*capped) : dts;
  Result r;
  r.eval = coco::evaluate(gt, kept, p, threads);
  count_records(gt, kept, r);
  std::unordered_map<std::int64_t, const Category*> cats;
  for (const Category& c : gt.categories) cats.try_emplace(c.id, &c);
  for (const std::int64_t id : *r.eval.params.cat_ids) {
    const Category& c = *cats.at(id);
    // lvis-api: KeyError (no frequency) or ValueError (another letter) in _prepare_freq_group.
    if (c.frequency != "r" && c.frequency != "c" && c.frequency != "f")
      throw Error(gt.source + ": category " + std::to_string(id) + " ('" + c.name +
                  "'): no 'frequency' (r, c or f): LVIS evaluation groups APr / APc / APf by it");
    r.frequency.push_back(c.frequency[0]);
  }
  return r;
}

namespace {

// lvis-api's _summarize: np.mean of the cells > -1 of precision[t, :, k, a] (AP) or
// recall[t, k, a] (AR), in NumPy's C order (t, then r, then k), over the IoU thresholds `ts`
// and the categories whose frequency is `freq` (0: all); -1 when no cell has data.
double mean_over(const Result& r, bool ap, std::optional<double> iou_thr, const std::string& area, char freq) {
  const coco::Params& p = r.eval.params;
  const coco::EvalArrays& e = r.eval.arrays;
  std::vector<std::size_t> ts, as, ks;
  for (std::size_t t = 0; t < e.T; ++t)
    if (!iou_thr || p.iou_thrs[t] == *iou_thr) ts.push_back(t);
  for (std::size_t a = 0; a < e.A; ++a)
    if (p.area_lbl[a] == area) as.push_back(a);
  for (std::size_t k = 0; k < e.K; ++k)
    if (!freq || r.frequency[k] == freq) ks.push_back(k);
  std::vector<double> valid;
  for (const std::size_t t : ts) {
    if (ap) {
      for (std::size_t rr = 0; rr < e.R; ++rr)
        for (const std::size_t k : ks)
          for (const std::size_t a : as)
            if (const double v = e.precision[e.pr_index(t, rr, k, a, 0)]; v > -1) valid.push_back(v);
    } else {
      for (const std::size_t k : ks)
        for (const std::size_t a : as)
          if (const double v = e.recall[e.rc_index(t, k, a, 0)]; v > -1) valid.push_back(v);
    }
  }
  return valid.empty() ? -1.0 : coco::numpy_mean(valid);
}

}  // namespace

std::vector<Summary> summarize(const Result& r) {
  const std::string m = std::to_string(r.eval.params.max_dets.back());
  const std::string per_image = ", " + m + " detections per image";
  struct Item {
    const char* key;
    bool ap;
    std::optional<double> iou;
    const char* area;
    char freq;
    const char* meaning;
  };
  const Item items[] = {
      {"AP", true, std::nullopt, "all", 0, "average precision at IoU 0.50:0.95, all areas"},
      {"AP50", true, 0.5, "all", 0, "average precision at IoU 0.50, all areas"},
      {"AP75", true, 0.75, "all", 0, "average precision at IoU 0.75, all areas"},
      {"APs", true, std::nullopt, "small", 0, "average precision at IoU 0.50:0.95, small objects"},
      {"APm", true, std::nullopt, "medium", 0, "average precision at IoU 0.50:0.95, medium objects"},
      {"APl", true, std::nullopt, "large", 0, "average precision at IoU 0.50:0.95, large objects"},
      {"APr", true, std::nullopt, "all", 'r', "average precision at IoU 0.50:0.95 of the rare categories (in under 10 training images)"},
      {"APc", true, std::nullopt, "all", 'c', "average precision at IoU 0.50:0.95 of the common categories (10 to 99 training images)"},
      {"APf", true, std::nullopt, "all", 'f', "average precision at IoU 0.50:0.95 of the frequent categories (100 or more training images)"},
      {"AR", false, std::nullopt, "all", 0, "average recall at IoU 0.50:0.95, all areas"},
      {"ARs", false, std::nullopt, "small", 0, "average recall at IoU 0.50:0.95, small objects"},
      {"ARm", false, std::nullopt, "medium", 0, "average recall at IoU 0.50:0.95, medium objects"},
      {"ARl", false, std::nullopt, "large", 0, "average recall at IoU 0.50:0.95, large objects"},
  };
  std::vector<Summary> out;
  for (const Item& it : items)
    out.push_back({std::string(it.key) + (it.ap ? "" : "@" + m), it.meaning + per_image,
                   mean_over(r, it.ap, it.iou, it.area, it.freq)});
  return out;
}

std::string format_summary(const std::vector<Summary>& items, const coco::Params& p) {
  // print_results' template: " {:<18} {} @[ IoU={:<9} | area={:>6s} | maxDets={:>3d} catIds={:>3s}] = {:0.3f}"
  std::string out;
  const int max_dets = p.max_dets.back();
  for (const Summary& s : items) {
    const std::string& key = s.key;
    const bool ap = key.find("AP") != std::string::npos;
    char iou[32], line[192];
    if (key.size() > 2 && key[2] >= '0' && key[2] <= '9')
      std::snprintf(iou, sizeof iou, "%0.2f", std::stod(key.substr(2)) / 100);
    else
      std::snprintf(iou, sizeof iou, "%0.2f:%0.2f", p.iou_thrs.front(), p.iou_thrs.back());
    const char c = key.size() > 2 ? key[2] : 0;
    const std::string group = (c == 'r' || c == 'c' || c == 'f') ? std::string(1, c) : "all";
    const std::string area = (c == 's' || c == 'm' || c == 'l') ? std::string(1, c) : "all";
    std::snprintf(line, sizeof line, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d catIds=%3s] = %0.3f\n",
                  ap ? "Average Precision" : "Average Recall", ap ? "(AP)" : "(AR)", iou, area.c_str(), max_dets,
                  group.c_str(), s.value);
    out += line;
  }
  return out;
}

}  // namespace ds::lvis
