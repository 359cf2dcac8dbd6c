#include "core/eval/score_cell.hpp"
#include "core/eval/voc/voc_evaluator.hpp"

#include <cstdio>

#include "core/util/json_writer.hpp"

namespace ds::voc {

Metrics voc_metrics(const Result& r) {
  const bool voc07 = r.params.interpolation == Interpolation::kElevenPoint;
  const std::string metric = voc07 ? "voc07" : "voc";
  const auto num = [](double v) { return score_cell(v, 4); };
  Metrics m;
  char line[256];
  std::snprintf(line, sizeof line, "\nPascal VOC AP (IoU > %.2f, %s interpolation):\n",
                r.params.iou_threshold, voc07 ? "11-point, VOC2007" : "all-point, VOC2010+");
  m.text = line;
  std::snprintf(line, sizeof line, " %-24s %7s %8s %8s %8s\n", "class", "AP", "gt", "dets", "tp");
  m.text += line;
  for (const ClassResult& c : r.classes) {
    std::snprintf(line, sizeof line, " %-24.24s %s %8zu %8zu %8zu\n", c.name.c_str(),
                  num(c.ap).c_str(), c.gt, c.detections, c.true_positives);
    m.text += line;
  }
  std::snprintf(line, sizeof line, " %-24s %s\n", "mAP", num(r.map).c_str());
  m.text += line;

  JsonWriter w(1);
  w.begin_object()
      .field("mAP", r.map)
      .field("iou_threshold", r.params.iou_threshold)
      .field("interpolation", voc07 ? "11-point" : "all-point");
  w.key("per_class").begin_array();
  for (const ClassResult& c : r.classes)
    w.begin_object()
        .field("category_id", c.category_id)
        .field("name", c.name)
        .field("AP", c.ap)
        .field("gt", static_cast<std::int64_t>(c.gt))
        .field("detections", static_cast<std::int64_t>(c.detections))
        .field("true_positives", static_cast<std::int64_t>(c.true_positives))
        .end_object();
  w.end_array().end_object();
  m.json_fields.emplace_back(metric, w.take());

  Section s;
  s.id = metric;
  s.title = voc07 ? "Pascal VOC AP (VOC2007, 11-point)" : "Pascal VOC AP (all-point)";
  s.short_label = voc07 ? "VOC07" : "VOC";
  char iou[16];
  std::snprintf(iou, sizeof iou, "%.2f", r.params.iou_threshold);
  s.meaning = std::string("the VOC devkit's AP: IoU above ") + iou + ", difficult objects ignored, " +
              (voc07 ? "11-point" : "all-point") + " interpolation";
  s.primary = metric + ".mAP";
  s.values.push_back({metric + ".mAP", voc07 ? "VOC07 mAP" : "VOC mAP", "mean over classes of " + s.meaning, r.map,
                      true, ValueFormat::kFraction, true});
  s.tables.push_back({metric + ".per_class", "Per class", "each class's VOC AP", "category_id", "name",
                      {{"AP", "AP", "average precision, " + s.meaning},
                       {"gt", "GT", "ground truth objects (not difficult)", true, ValueFormat::kCount},
                       {"detections", "detections", "detections of the class", true, ValueFormat::kCount},
                       {"true_positives", "TP", "detections matched to a ground truth object", true, ValueFormat::kCount}},
                      "AP"});
  m.sections.push_back(std::move(s));
  return m;
}

VocEvaluator::VocEvaluator(const Dataset& ground_truth, Interpolation interpolation)
    : gt_(ground_truth) {
  params_.interpolation = interpolation;
}

Metrics VocEvaluator::score(std::span<const Detection> detections, const Params& params) const {
  return voc_metrics(voc::evaluate(gt_, detections, params));
}

}  // namespace ds::voc
