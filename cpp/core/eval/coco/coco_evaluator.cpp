#include "core/eval/coco/coco_evaluator.hpp"

#include <algorithm>
#include <cstdio>

#include "core/dataset/id_index.hpp"
#include "core/eval/coco/summarize.hpp"
#include "core/util/json_writer.hpp"

namespace ds::coco {
namespace {

std::string per_class_table(const EvalResult& r, const std::vector<std::string>& names,
                            const std::vector<std::size_t>& gt_count,
                            const std::vector<std::size_t>& dt_count) {
  std::string out = "\nPer class (IoU=0.50:0.95 AP, AP50, AP75, AR at maxDets=" +
                    std::to_string(r.params.max_dets.back()) + "):\n";
  char line[256];
  std::snprintf(line, sizeof line, " %-24s %7s %7s %7s %7s %8s %8s\n", "class", "AP", "AP50",
                "AP75", "AR", "gt", "dets");
  out += line;
  const auto num = [](double v) {
    char b[16];
    if (v < 0)
      std::snprintf(b, sizeof b, "%7s", "-");
    else
      std::snprintf(b, sizeof b, "%7.3f", v);
    return std::string(b);
  };
  for (std::size_t k = 0; k < names.size(); ++k) {
    const CategoryScores s = category_scores(r, k);
    std::snprintf(line, sizeof line, " %-24.24s %s %s %s %s %8zu %8zu\n", names[k].c_str(),
                  num(s.ap).c_str(), num(s.ap50).c_str(), num(s.ap75).c_str(), num(s.ar).c_str(),
                  gt_count[k], dt_count[k]);
    out += line;
  }
  return out;
}

}  // namespace

Metrics coco_metrics(const EvalResult& r, const Dataset& gt, std::span<const Detection> dts) {
  const std::vector<SummaryItem> items = summarize(r);
  Metrics m;
  // Mask and keypoint metrics sit beside box metrics in one metrics.json: their keys say
  // segm_ or keypoints_.
  const IouType type = r.params.iou_type;
  const std::string key = type == IouType::kSegm ? "segm_" : type == IouType::kKeypoints ? "keypoints_" : "";
  const std::string header = type == IouType::kSegm        ? "\nMasks (iouType=segm):\n"
                             : type == IouType::kKeypoints ? "\nKeypoints (iouType=keypoints):\n"
                                                           : "";
  m.text = header + format_summary(items, r.params);

  JsonWriter stats;
  stats.value(std::span<const double>(stats_of(items)));
  m.json_fields.emplace_back(key + "coco_stats", stats.take());
  for (const SummaryItem& it : items) {
    JsonWriter v;
    v.value(it.value);
    m.json_fields.emplace_back(key + it.name, v.take());
    m.numbers.emplace_back(key + it.name, it.value);
  }

  if (!r.params.use_cats) return m;
  // Per-category tables: names and counts for the categories evaluated.
  const std::vector<std::int64_t>& cat_ids = *r.params.cat_ids;
  const IdIndex cats(cat_ids);
  const IdIndex images(*r.params.img_ids);
  std::vector<std::string> names(cat_ids.size());
  for (std::size_t k = 0; k < cat_ids.size(); ++k) names[k] = std::to_string(cat_ids[k]);
  for (const Category& c : gt.categories)
    if (const auto k = cats.find(c.id); k != IdIndex::npos) names[static_cast<std::size_t>(k)] = c.name;
  std::vector<std::size_t> gt_count(cat_ids.size(), 0), dt_count(cat_ids.size(), 0);
  // The ground truth that counts: not crowd, and for keypoints with a labelled keypoint.
  const bool keypoints = type == IouType::kKeypoints;
  for (const Annotation& a : gt.annotations)
    if (const auto k = cats.find(a.category_id); k != IdIndex::npos && !a.iscrowd &&
                                                 !(keypoints && a.num_keypoints == 0) && images.contains(a.image_id))
      ++gt_count[static_cast<std::size_t>(k)];
  for (const Detection& d : dts)
    if (const auto k = cats.find(d.category_id); k != IdIndex::npos && images.contains(d.image_id))
      ++dt_count[static_cast<std::size_t>(k)];
  m.text += per_class_table(r, names, gt_count, dt_count);

  JsonWriter per_class(1);
  per_class.begin_array();
  JsonWriter curves(1);
  curves.begin_object();
  curves.key("recall_thresholds").value(std::span<const double>(r.params.rec_thrs));
  curves.key("classes").begin_array();
  const auto t50 = std::find(r.params.iou_thrs.begin(), r.params.iou_thrs.end(), 0.5);
  const auto t75 = std::find(r.params.iou_thrs.begin(), r.params.iou_thrs.end(), 0.75);
  for (std::size_t k = 0; k < cat_ids.size(); ++k) {
    const CategoryScores s = category_scores(r, k);
    per_class.begin_object()
        .field("category_id", cat_ids[k])
        .field("name", names[k])
        .field("AP", s.ap)
        .field("AP50", s.ap50)
        .field("AP75", s.ap75)
        .field("APs", s.ap_small)
        .field("APm", s.ap_medium)
        .field("APl", s.ap_large)
        .field("AR", s.ar)
        .field("gt", static_cast<std::int64_t>(gt_count[k]))
        .field("detections", static_cast<std::int64_t>(dt_count[k]))
        .end_object();
    curves.begin_object().field("category_id", cat_ids[k]).field("name", names[k]);
    if (t50 != r.params.iou_thrs.end()) {
      const auto t = static_cast<std::size_t>(t50 - r.params.iou_thrs.begin());
      curves.key("precision_iou50").value(std::span<const double>(pr_curve(r, k, t)));
    }
    if (t75 != r.params.iou_thrs.end()) {
      const auto t = static_cast<std::size_t>(t75 - r.params.iou_thrs.begin());
      curves.key("precision_iou75").value(std::span<const double>(pr_curve(r, k, t)));
    }
    curves.key("precision_mean").value(std::span<const double>(pr_curve(r, k, std::nullopt)));
    curves.end_object();
  }
  per_class.end_array();
  curves.end_array().end_object();
  m.json_fields.emplace_back(key + "per_class", per_class.take());
  m.json_fields.emplace_back(key + "pr_curves", curves.take());
  return m;
}

CocoEvaluator::CocoEvaluator(const Dataset& ground_truth, const EvaluatorOptions& options,
                             Params params)
    : gt_(ground_truth), options_(options), params_(std::move(params)) {}

void CocoEvaluator::reset() { seen_.clear(); }

void CocoEvaluator::process(const Image& image, std::span<const Detection> detections) {
  seen_.add(image, detections);
}

Metrics CocoEvaluator::evaluate() {
  Params p = params_;
  p.img_ids = seen_.image_ids;
  const EvalResult r = coco::evaluate(gt_, seen_.detections, p, options_.threads);
  return coco_metrics(r, gt_, seen_.detections);
}

Metrics CocoEvaluator::evaluate_all(std::span<const Detection> detections) {
  const EvalResult r = coco::evaluate(gt_, detections, params_, options_.threads);
  return coco_metrics(r, gt_, detections);
}

}  // namespace ds::coco
