#include "core/eval/score_cell.hpp"
#include "core/eval/coco/coco_evaluator.hpp"

#include <algorithm>
#include <cstdio>

#include "core/dataset/id_index.hpp"
#include "core/eval/coco/match_records.hpp"
#include "core/eval/coco/slices.hpp"
#include "core/eval/coco/summarize.hpp"
#include "core/util/json_writer.hpp"

namespace ds::coco {
namespace {

std::string per_class_table(const EvalResult& r, const std::vector<std::string>& names,
                            const std::vector<std::size_t>& gt_count,
                            std::span<const std::size_t> dt_count) {
  std::string out = "\nPer class (IoU=0.50:0.95 AP, AP50, AP75, AR at maxDets=" +
                    std::to_string(r.params.max_dets.back()) + "):\n";
  char line[256];
  std::snprintf(line, sizeof line, " %-24s %7s %7s %7s %7s %8s %8s\n", "class", "AP", "AP50",
                "AP75", "AR", "gt", "dets");
  out += line;
  const auto num = [](double v) { return score_cell(v, 3); };
  for (std::size_t k = 0; k < names.size(); ++k) {
    const CategoryScores s = category_scores(r, k);
    std::snprintf(line, sizeof line, " %-24.24s %s %s %s %s %8zu %8zu\n", names[k].c_str(),
                  num(s.ap).c_str(), num(s.ap50).c_str(), num(s.ap75).c_str(), num(s.ar).c_str(),
                  gt_count[k], dt_count[k]);
    out += line;
  }
  return out;
}

// What the evaluation is called where it is shown: the section's id and title, the short label,
// and the prefix of its metrics.json keys (box metrics have none: they came first).
struct Names {
  const char* id;
  const char* title;
  const char* short_label;
  const char* prefix;
  const char* matched_by;
};

Names names_of(IouType t) {
  switch (t) {
    case IouType::kBbox: return {"coco", "COCO boxes (bbox)", "bbox", "", "box IoU"};
    case IouType::kSegm: return {"coco_segm", "COCO masks (segm)", "segm", "segm_", "mask IoU"};
    case IouType::kKeypoints: return {"coco_keypoints", "COCO keypoints (OKS)", "keypoints", "keypoints_", "OKS"};
    case IouType::kBoundary:
      return {"coco_boundary", "COCO boundaries (boundary IoU)", "boundary", "boundary_",
              "the lower of mask IoU and boundary IoU"};
  }
  return {"coco", "COCO", "", "", "IoU"};
}

// What the thresholds threshold: keypoints compare by OKS, the others by an IoU.
const char* similarity(const Params& p) { return p.iou_type == IouType::kKeypoints ? "OKS" : "IoU"; }

std::string range_text(const SummaryItem& it, const Params& p) {
  char b[96];
  if (it.iou_thr)
    std::snprintf(b, sizeof b, "%s %.2f", similarity(p), *it.iou_thr);
  else
    std::snprintf(b, sizeof b, "%s %.2f:%.2f", similarity(p), p.iou_thrs.front(), p.iou_thrs.back());
  std::string out = b;
  out += it.area == "all" ? ", all areas" : ", " + it.area + " objects";
  return out + ", " + std::to_string(it.max_dets) + " detection" + (it.max_dets == 1 ? "" : "s") + " per image";
}

// A summary item as people read it ("AP at IoU 0.50, all areas, 100 detections per image").
std::string meaning_of(const SummaryItem& it, const Params& p) {
  return std::string(it.is_ap ? "average precision" : "average recall") + " at " + range_text(it, p);
}

Section describe(const EvalResult& r, const std::vector<SummaryItem>& items) {
  const Names n = names_of(r.params.iou_type);
  const std::string prefix = n.prefix;
  Section s;
  s.id = n.id;
  s.title = n.title;
  s.short_label = n.short_label;
  s.meaning = std::string("pycocotools' COCOeval, matched by ") + n.matched_by;
  if (r.params.iou_type == IouType::kBoundary) {
    char ratio[64];
    std::snprintf(ratio, sizeof ratio, " (dilation ratio %g), as faster-coco-eval", r.params.boundary_dilation_ratio);
    s.meaning += ratio;
  } else {
    s.meaning += ", bit for bit";
  }
  s.primary = prefix + items.front().name;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const SummaryItem& it = items[i];
    // The first of each kind (AP, AP50, AP75) and the largest-maxDets recall lead.
    const bool headline = i < 3 || (!it.is_ap && it.area == "all" && it.max_dets == r.params.max_dets.back() && !it.iou_thr);
    s.values.push_back({prefix + it.name, it.name, meaning_of(it, r.params), it.value, true, ValueFormat::kFraction, headline});
  }
  if (!r.params.use_cats) return s;
  const int m = r.params.max_dets.back();
  const std::string all = "all areas, " + std::to_string(m) + " detections per image";
  const std::string sim = similarity(r.params);
  Table t{prefix + "per_class", "Per class", "each category's own COCO numbers", "category_id", "name", {}, "AP"};
  t.columns = {{"AP", "AP", "average precision at " + sim + " 0.50:0.95, " + all},
               {"AP50", "AP50", "average precision at " + sim + " 0.50, " + all},
               {"AP75", "AP75", "average precision at " + sim + " 0.75, " + all}};
  for (const auto& [key, label] : {std::pair{"APs", "small"}, std::pair{"APm", "medium"}, std::pair{"APl", "large"}})
    if (std::find(r.params.area_lbl.begin(), r.params.area_lbl.end(), label) != r.params.area_lbl.end())
      t.columns.push_back({key, key, "average precision at " + sim + " 0.50:0.95, " + label + " objects"});
  t.columns.push_back({"AR", "AR" + std::to_string(m), "average recall at " + sim + " 0.50:0.95, " + all});
  t.columns.push_back({"gt", "GT", "ground truth objects (not crowd)", true, ValueFormat::kCount});
  t.columns.push_back({"detections", "detections", "detections of the category", true, ValueFormat::kCount});
  s.tables.push_back(std::move(t));
  Curve c{prefix + "pr_curves", "Precision–recall curves",
          "interpolated precision at each recall threshold, " + all, "recall_thresholds", "recall", "precision",
          "classes", "name", {}};
  if (std::find(r.params.iou_thrs.begin(), r.params.iou_thrs.end(), 0.5) != r.params.iou_thrs.end())
    c.series.push_back({"precision_iou50", sim + " 0.50"});
  if (std::find(r.params.iou_thrs.begin(), r.params.iou_thrs.end(), 0.75) != r.params.iou_thrs.end())
    c.series.push_back({"precision_iou75", sim + " 0.75"});
  c.series.push_back({"precision_mean", "mean over " + sim + " thresholds"});
  s.curves.push_back(std::move(c));
  return s;
}

}  // namespace

Metrics coco_metrics(const EvalResult& r, const Dataset& gt, std::span<const Detection> dts) {
  if (!r.params.use_cats) return coco_metrics(r, gt, std::span<const std::size_t>{});
  const std::vector<std::int64_t>& cat_ids = *r.params.cat_ids;
  const IdIndex cats(cat_ids);
  const IdIndex images(*r.params.img_ids);
  std::vector<std::size_t> dt_count(cat_ids.size(), 0);
  for (const Detection& d : dts)
    if (const auto k = cats.find(d.category_id); k != IdIndex::npos && images.contains(d.image_id))
      ++dt_count[static_cast<std::size_t>(k)];
  return coco_metrics(r, gt, dt_count);
}

Metrics coco_metrics(const EvalResult& r, const Dataset& gt, std::span<const std::size_t> dt_count) {
  const std::vector<SummaryItem> items = summarize(r);
  Metrics m;
  // Other evaluations sit beside box metrics in one metrics.json: their keys have a prefix.
  const Names what = names_of(r.params.iou_type);
  const std::string key = what.prefix;
  m.sections.push_back(describe(r, items));
  m.text = (key.empty() ? std::string() : "\n" + m.sections.back().title + ": " + m.sections.back().meaning + "\n") +
           format_summary(items, r.params);

  JsonWriter stats;
  stats.value(std::span<const double>(stats_of(items)));
  m.json_fields.emplace_back(key + "coco_stats", stats.take());
  for (const SummaryItem& it : items) {
    JsonWriter v;
    v.value(it.value);
    m.json_fields.emplace_back(key + it.name, v.take());
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
  std::vector<std::size_t> gt_count(cat_ids.size(), 0);
  // The ground truth that counts: not crowd, for keypoints with a labelled keypoint, and in a
  // slice of the objects inside it.
  const bool keypoints = r.params.iou_type == IouType::kKeypoints;
  const slices::ObjectFilter* objects = r.params.objects.get();
  for (const Annotation& a : gt.annotations)
    if (const auto k = cats.find(a.category_id); k != IdIndex::npos && !a.iscrowd &&
                                                 !(keypoints && a.num_keypoints == 0) && images.contains(a.image_id) &&
                                                 (!objects || objects->annotation(a)))
      ++gt_count[static_cast<std::size_t>(k)];
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

namespace {

// The whole evaluation's metrics, and its slices' beside them when the run has slices.
Metrics with_slices(const EvalResult& r, const Dataset& gt, std::span<const Detection> dts,
                    std::span<const slices::ImageSlice> slices, int threads, std::size_t bootstrap) {
  Metrics m = coco_metrics(r, gt, dts);
  if (slices.empty()) return m;
  const Names n = names_of(r.params.iou_type);
  Metrics s = slice_metrics(r, gt, dts, slices,
                            {std::string(n.id) + "_slices", std::string(n.title) + " by slice", n.short_label, n.prefix},
                            threads, bootstrap);
  m.text += s.text;
  for (auto& f : s.json_fields) m.json_fields.push_back(std::move(f));
  for (auto& sec : s.sections) m.sections.push_back(std::move(sec));
  return m;
}

}  // namespace

CocoEvaluator::CocoEvaluator(const Dataset& ground_truth, const EvaluatorOptions& options,
                             Params params)
    : gt_(ground_truth), options_(options), params_(std::move(params)) {
  if (options_.slices) slices_ = slices::select_slices(*options_.slices, gt_);
}

void CocoEvaluator::reset() { seen_.clear(); }

void CocoEvaluator::process(const Image& image, std::span<const Detection> detections) {
  seen_.add(image, detections);
}

namespace {

// The slices of the objects, matched in the evaluation's own pass (EvalResult::object_matches, in
// the slices' order).
Params with_object_slices(Params p, std::span<const slices::ImageSlice> slices) {
  for (const slices::ImageSlice& s : slices)
    if (s.objects) p.object_slices.push_back(s.objects);
  return p;
}

}  // namespace

Metrics CocoEvaluator::evaluate() {
  Params p = with_object_slices(params_, slices_);
  p.img_ids = seen_.image_ids;
  const EvalResult r = coco::evaluate(gt_, seen_.detections, p, options_.threads, !slices_.empty());
  return with_slices(r, gt_, seen_.detections, slices_, options_.threads, options_.slices ? options_.slices->bootstrap_samples : 0);
}

Metrics CocoEvaluator::evaluate_all(std::span<const Detection> detections) {
  const EvalResult r =
      coco::evaluate(gt_, detections, with_object_slices(params_, slices_), options_.threads, !slices_.empty());
  return with_slices(r, gt_, detections, slices_, options_.threads, options_.slices ? options_.slices->bootstrap_samples : 0);
}

std::optional<std::string> CocoEvaluator::match_records() {
  if (!slices_.empty() || !records_fit(params_) || has_duplicate_annotation_ids(gt_)) return std::nullopt;
  Params p = params_;
  p.img_ids = seen_.image_ids;
  const EvalResult r = coco::evaluate(gt_, seen_.detections, p, options_.threads, true);
  return write_match_records(r, group_detection_counts(r, seen_.detections));
}

Metrics CocoEvaluator::evaluate_records(std::span<const std::filesystem::path> files,
                                        std::span<const std::int64_t> image_ids) {
  // The params evaluate() would settle on (categories as it picks them), for no detections.
  Params p = params_;
  p.img_ids = std::vector<std::int64_t>{};
  p = coco::evaluate(gt_, {}, p, 1).params;
  p.img_ids = std::vector<std::int64_t>(image_ids.begin(), image_ids.end());
  const MergedRecords merged = merge_match_records(files, std::move(p));
  return coco_metrics(merged.result, gt_, merged.dt_count);
}

}  // namespace ds::coco
