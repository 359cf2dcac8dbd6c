#include "core/eval/score_cell.hpp"
#include "core/eval/lvis/lvis_evaluator.hpp"

#include <algorithm>
#include <cstdio>

#include "core/dataset/id_index.hpp"
#include "core/eval/coco/summarize.hpp"
#include "core/util/json_writer.hpp"

namespace ds::lvis {
namespace {

struct Names {
  const char* key;  // metrics.json's object and the section's id
  const char* title;
  const char* short_label;
  const char* matched_by;
};

Names names_of(coco::IouType t) {
  if (t == coco::IouType::kSegm) return {"lvis_segm", "LVIS masks (segm)", "LVIS segm", "mask IoU"};
  return {"lvis", "LVIS boxes (bbox)", "LVIS", "box IoU"};
}

std::string number(double v) { return score_cell(v, 3); }

Section describe(const Names& n, const std::vector<Summary>& items, int max_dets) {
  const std::string key = n.key;
  Section s;
  s.id = n.key;
  s.title = n.title;
  s.short_label = n.short_label;
  s.meaning = std::string("lvis-api 0.5.3's LVISEval (federated: only categories verified present or absent on an "
                          "image count there), matched by ") + n.matched_by;
  s.primary = key + ".AP";
  for (const Summary& it : items) {
    const bool headline = it.key == "AP" || it.key == "AP50" || it.key == "APr" || it.key.starts_with("AR@");
    s.values.push_back({key + "." + it.key, it.key, it.meaning, it.value, true, ValueFormat::kFraction, headline});
  }
  const std::string all = "all areas, " + std::to_string(max_dets) + " detections per image";
  const std::string ar = "AR@" + std::to_string(max_dets);
  Table t{key + ".per_class", "Per class", "each category's own LVIS numbers (its frequency: r, c or f in the row's 'frequency')",
          "category_id", "name", {}, "AP"};
  t.columns = {{"AP", "AP", "average precision at IoU 0.50:0.95, " + all},
               {"AP50", "AP50", "average precision at IoU 0.50, " + all},
               {"AP75", "AP75", "average precision at IoU 0.75, " + all},
               {"APs", "APs", "average precision at IoU 0.50:0.95, small objects"},
               {"APm", "APm", "average precision at IoU 0.50:0.95, medium objects"},
               {"APl", "APl", "average precision at IoU 0.50:0.95, large objects"},
               {ar, ar, "average recall at IoU 0.50:0.95, " + all},
               {"gt", "GT", "ground truth objects on the evaluated images", true, ValueFormat::kCount},
               {"detections", "detections", "detections of the category LVIS evaluates (on images where it is present or verified absent)",
                true, ValueFormat::kCount}};
  s.tables.push_back(std::move(t));
  return s;
}

}  // namespace

LvisEvaluator::LvisEvaluator(const Dataset& ground_truth, const EvaluatorOptions& options, coco::IouType type)
    : gt_(ground_truth), options_(options), type_(type) {}

void LvisEvaluator::reset() { seen_.clear(); }

void LvisEvaluator::process(const Image& image, std::span<const Detection> detections) {
  seen_.add(image, detections);
}

Metrics LvisEvaluator::evaluate() {
  const Result r = lvis::evaluate(gt_, seen_.detections, type_, seen_.image_ids, options_.threads);
  return metrics(r);
}

Metrics LvisEvaluator::evaluate_all(std::span<const Detection> detections) {
  const Result r = lvis::evaluate(gt_, detections, type_, std::nullopt, options_.threads);
  return metrics(r);
}

Metrics LvisEvaluator::metrics(const Result& r) const {
  const Names n = names_of(type_);
  const coco::Params& p = r.eval.params;
  const std::vector<Summary> items = summarize(r);
  Metrics m;
  m.sections.push_back(describe(n, items, p.max_dets.back()));
  m.text = "\n" + std::string(n.title) + ": " + m.sections.back().meaning + "\n" + format_summary(items, p);

  const std::vector<std::int64_t>& cat_ids = *p.cat_ids;
  const IdIndex cats(cat_ids);
  std::vector<std::string> names(cat_ids.size());
  for (const Category& c : gt_.categories)
    if (const auto k = cats.find(c.id); k != IdIndex::npos) names[static_cast<std::size_t>(k)] = c.name;
  const std::vector<std::size_t>& gt_count = r.gt_count;
  const std::vector<std::size_t>& dt_count = r.dt_count;

  char line[256];
  const std::string ar = "AR@" + std::to_string(p.max_dets.back());
  m.text += "\nPer class (IoU=0.50:0.95 AP, AP50, AP75, " + ar + "; frequency r/c/f):\n";
  std::snprintf(line, sizeof line, " %-24s %4s %7s %7s %7s %7s %8s %8s\n", "class", "freq", "AP", "AP50", "AP75", "AR", "gt", "dets");
  m.text += line;
  JsonWriter w(1);
  w.begin_object();
  for (const Summary& s : items) w.field(s.key, s.value);
  w.key("per_class").begin_array();
  for (std::size_t k = 0; k < cat_ids.size(); ++k) {
    const coco::CategoryScores s = coco::category_scores(r.eval, k);
    std::snprintf(line, sizeof line, " %-24.24s %4c %s %s %s %s %8zu %8zu\n", names[k].c_str(), r.frequency[k],
                  number(s.ap).c_str(), number(s.ap50).c_str(), number(s.ap75).c_str(), number(s.ar).c_str(), gt_count[k],
                  dt_count[k]);
    m.text += line;
    w.begin_object()
        .field("category_id", cat_ids[k])
        .field("name", names[k])
        .field("frequency", std::string(1, r.frequency[k]))
        .field("AP", s.ap)
        .field("AP50", s.ap50)
        .field("AP75", s.ap75)
        .field("APs", s.ap_small)
        .field("APm", s.ap_medium)
        .field("APl", s.ap_large)
        .field(ar, s.ar)
        .field("gt", static_cast<std::int64_t>(gt_count[k]))
        .field("detections", static_cast<std::int64_t>(dt_count[k]))
        .end_object();
  }
  w.end_array().end_object();
  m.json_fields.emplace_back(n.key, w.take());
  return m;
}

}  // namespace ds::lvis
