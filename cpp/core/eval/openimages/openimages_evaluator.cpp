#include "core/eval/score_cell.hpp"
#include "core/eval/openimages/openimages_evaluator.hpp"

#include <cstdio>

#include "core/util/json_writer.hpp"

namespace ds::openimages {

Metrics openimages_metrics(const Result& r) {
  const auto num = [](double v) { return score_cell(v, 4); };
  Metrics m;
  m.text = "\nOpen Images challenge detection metric (IoU >= 0.5, group-of boxes, verified labels, hierarchy):\n";
  char line[256];
  std::snprintf(line, sizeof line, " %-28s %7s %9s %9s %9s\n", "class", "AP", "gt", "records", "tp");
  m.text += line;
  for (const ClassResult& c : r.classes) {
    if (c.gt == 0 && c.detections == 0) continue;  // 600 classes: only those seen
    std::snprintf(line, sizeof line, " %-28.28s %s %9.0f %9zu %9zu\n", c.name.c_str(), num(c.ap).c_str(), c.gt,
                  c.detections, c.true_positives);
    m.text += line;
  }
  std::snprintf(line, sizeof line, " %-28s %s\n", "mAP", num(r.map).c_str());
  m.text += line;

  JsonWriter w(1);
  w.begin_object().field("mAP", r.map);
  // As the challenge reports it: AP per LabelName, classes with ground truth only.
  w.key("per_class").begin_object();
  for (const ClassResult& c : r.classes)
    if (c.ap >= 0) w.field(c.label_name, c.ap);
  w.end_object();
  // Every class with ground truth or records, for the report's table.
  w.key("classes").begin_object();
  for (const ClassResult& c : r.classes) {
    if (c.gt == 0 && c.detections == 0) continue;
    w.key(c.label_name).begin_object().field("category_id", c.category_id).field("name", c.name);
    if (c.ap >= 0)
      w.field("AP", c.ap);
    else
      w.key("AP").null();
    w.field("gt", c.gt)
        .field("records", static_cast<std::int64_t>(c.detections))
        .field("true_positives", static_cast<std::int64_t>(c.true_positives))
        .end_object();
  }
  w.end_object().end_object();
  m.json_fields.emplace_back("openimages", w.take());

  Section s;
  s.id = "openimages";
  s.title = "Open Images challenge detection";
  s.short_label = "OID";
  s.meaning = "the Open Images challenge's AP (TF Object Detection API): IoU >= 0.5, group-of boxes, "
              "only verified classes per image, ground truth expanded up the class hierarchy";
  s.primary = "openimages.mAP";
  s.values.push_back({"openimages.mAP", "OID mAP", "mean over classes with ground truth of " + s.meaning, r.map, true,
                      ValueFormat::kFraction, true});
  s.tables.push_back({"openimages.classes", "Per class", "each class's Open Images AP", "label_name", "name",
                      {{"AP", "AP", "average precision, " + s.meaning},
                       {"gt", "GT", "ground-truth boxes after expansion (a group-of box counts once)", true, ValueFormat::kCount},
                       {"records", "records", "detections scored (one per group-of box hit)", true, ValueFormat::kCount},
                       {"true_positives", "TP", "true positives", true, ValueFormat::kCount}},
                      "AP"});
  m.sections.push_back(std::move(s));
  return m;
}

OpenImagesEvaluator::OpenImagesEvaluator(const Dataset& ground_truth, const EvaluatorOptions& options)
    : gt_(ground_truth) {
  params_.threads = options.threads;
}

Metrics OpenImagesEvaluator::score(std::span<const Detection> detections, const Params& params) const {
  return openimages_metrics(openimages::evaluate(gt_, detections, params));
}

}  // namespace ds::openimages
