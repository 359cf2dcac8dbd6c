#include "core/eval/analysis/thresholds.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "core/eval/analysis/analyses.hpp"
#include "core/eval/image_match.hpp"
#include "core/util/json_writer.hpp"

namespace ds::analysis {
namespace {

struct Scored {
  double score;
  bool true_positive;
};

std::vector<const Category*> categories_by_id(const Dataset& gt) {
  std::vector<const Category*> cats;
  for (const Category& c : gt.categories) cats.push_back(&c);
  std::stable_sort(cats.begin(), cats.end(), [](const Category* a, const Category* b) { return a->id < b->id; });
  return cats;
}

double f1_of(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0; }

// `points` by descending score, equal scores in the order pushed.
void fill_curve(ThresholdCurve& c, const std::vector<Scored>& points) {
  c.detections = points.size();
  const double n_gt = static_cast<double>(c.gt);
  // Raw curve: one point per distinct score (a threshold keeps all detections tied at it).
  std::size_t tp = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    tp += points[i].true_positive ? 1 : 0;
    if (i + 1 < points.size() && points[i + 1].score == points[i].score) continue;
    if (c.gt == 0) continue;
    const double p = static_cast<double>(tp) / static_cast<double>(i + 1);
    const double r = static_cast<double>(tp) / n_gt;
    const double f = f1_of(p, r);
    if (!c.best || f > c.best->f1) c.best = OperatingPoint{points[i].score, p, r, f};
  }
  const std::vector<double> grid = score_grid();
  std::size_t kept = points.size(), tp_kept = tp;
  c.precision.assign(grid.size(), std::nullopt);
  c.recall.assign(grid.size(), std::nullopt);
  c.f1.assign(grid.size(), std::nullopt);
  // From the highest cut down would need a forward pass; from the lowest, drop detections.
  for (std::size_t g = 0; g < grid.size(); ++g) {
    while (kept > 0 && points[kept - 1].score < grid[g]) {
      --kept;
      tp_kept -= points[kept].true_positive ? 1 : 0;
    }
    const std::optional<double> p =
        kept > 0 ? std::optional<double>(static_cast<double>(tp_kept) / static_cast<double>(kept)) : std::nullopt;
    const std::optional<double> r =
        c.gt > 0 ? std::optional<double>(static_cast<double>(tp_kept) / n_gt) : std::nullopt;
    c.precision[g] = p;
    c.recall[g] = r;
    if (p && r) c.f1[g] = f1_of(*p, *r);
  }
}

void write_curve(JsonWriter& w, const ThresholdCurve& c) {
  if (c.category_id >= 0) w.field("category_id", c.category_id).field("name", c.name);
  w.field("gt", static_cast<std::int64_t>(c.gt)).field("detections", static_cast<std::int64_t>(c.detections));
  w.key("best");
  if (c.best)
    w.begin_object()
        .field("score", c.best->score)
        .field("precision", c.best->precision)
        .field("recall", c.best->recall)
        .field("f1", c.best->f1)
        .end_object();
  else
    w.null();
  w.key("precision").value(std::span<const std::optional<double>>(c.precision));
  w.key("recall").value(std::span<const std::optional<double>>(c.recall));
  w.key("f1").value(std::span<const std::optional<double>>(c.f1));
}

}  // namespace

std::vector<double> score_grid() {
  std::vector<double> g(101);
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = static_cast<double>(i) / 100.0;
  return g;
}

Thresholds score_thresholds(const Dataset& gt, const std::vector<ImageBoxes>& images, double iou) {
  return score_thresholds(gt, images, match_images(images, iou), iou);
}

Thresholds score_thresholds(const Dataset& gt, const std::vector<ImageBoxes>& images,
                            std::span<const ImageMatch> matches, double iou) {
  return score_thresholds(gt, images, matches, detections_by_score(images), iou);
}

Thresholds score_thresholds(const Dataset& gt, const std::vector<ImageBoxes>& images,
                            std::span<const ImageMatch> matches, std::span<const std::uint32_t> by_score,
                            double iou) {
  Thresholds t;
  t.iou = iou;
  const std::vector<const Category*> cats = categories_by_id(gt);
  std::unordered_map<std::int64_t, std::size_t> index;
  for (std::size_t k = 0; k < cats.size(); ++k) index.emplace(cats[k]->id, k);
  t.classes.resize(cats.size());
  // Each detection's class position and outcome, numbered as by_score numbers them.
  constexpr std::uint32_t kLeftOut = UINT32_MAX;
  std::vector<std::uint32_t> class_of;
  std::vector<std::uint8_t> right;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const ImageBoxes& im = images[i];
    // The viewer's and render's matching, so the pictures agree with these numbers.
    const ImageMatch& m = matches[i];
    for (std::size_t d = 0; d < im.dts.size(); ++d) {
      const auto k = index.find(im.dts[d].category_id);
      const bool out = k == index.end() || m.detections[d] == DetectionOutcome::kCrowd;
      class_of.push_back(out ? kLeftOut : static_cast<std::uint32_t>(k->second));
      right.push_back(m.detections[d] == DetectionOutcome::kTruePositive);
    }
    for (const Annotation& a : im.gts)
      if (const auto k = index.find(a.category_id); k != index.end() && !a.iscrowd) ++t.classes[k->second].gt;
  }
  // Sorted as a stable sort by score of the points pushed image by image would sort them.
  std::vector<std::vector<Scored>> points(cats.size());
  std::vector<Scored> all;
  all.reserve(by_score.size());
  std::size_t n = 0;
  for (const ImageBoxes& im : images) n += im.dts.size();
  std::vector<double> score(n);
  n = 0;
  for (const ImageBoxes& im : images)
    for (const Detection& d : im.dts) score[n++] = d.score;
  for (const std::uint32_t j : by_score) {
    if (class_of[j] == kLeftOut) continue;
    const Scored s{score[j], right[j] != 0};
    points[class_of[j]].push_back(s);
    all.push_back(s);
  }
  for (std::size_t k = 0; k < cats.size(); ++k) {
    t.classes[k].category_id = cats[k]->id;
    t.classes[k].name = cats[k]->name;
    t.overall.gt += t.classes[k].gt;
    fill_curve(t.classes[k], points[k]);
  }
  t.overall.name = "all";
  fill_curve(t.overall, all);
  return t;
}

double best_f1_score(const Thresholds& t) { return t.overall.best ? t.overall.best->score : 0.0; }

Metrics thresholds_analysis(const AnalysisContext& context) {
  const Thresholds& t = context.thresholds;
  Metrics m;
  if (t.overall.best) {
    char line[200];
    std::snprintf(line, sizeof line, "\nBest F1 %.3f at score >= %.3f (precision %.3f, recall %.3f; %s %.2f)\n",
                  t.overall.best->f1, t.overall.best->score, t.overall.best->precision, t.overall.best->recall,
                  context.matched_by, t.iou);
    m.text = line;
  }
  JsonWriter w(1);
  w.begin_object().field("iou", t.iou);
  w.key("score_grid").value(std::span<const double>(score_grid()));
  w.key("overall").begin_object();
  write_curve(w, t.overall);
  w.end_object();
  w.key("classes").begin_array();
  for (const ThresholdCurve& c : t.classes) {
    w.begin_object();
    write_curve(w, c);
    w.end_object();
  }
  w.end_array().end_object();
  m.json_fields.emplace_back("thresholds", w.take());

  char iou[16];
  std::snprintf(iou, sizeof iou, "%.2f", t.iou);
  const std::string at = std::string("detections with score >= the threshold, matched at ") + context.matched_by +
                         " " + iou;
  Section s{"thresholds", "Precision, recall and F1 against the score threshold", "", at, {}, {}, {}, {}, "best_f1"};
  const auto best = [&](double OperatingPoint::*field) { return t.overall.best ? t.overall.best.value().*field : -1.0; };
  s.values = {{"thresholds.overall.best.f1", "best F1", "the highest F1 over score thresholds; " + at,
               best(&OperatingPoint::f1), true, ValueFormat::kFraction, true},
              {"thresholds.overall.best.score", "best-F1 threshold", "the score threshold where F1 is highest",
               best(&OperatingPoint::score), true, ValueFormat::kScore, true},
              {"thresholds.overall.best.precision", "precision there", "precision at the best-F1 threshold",
               best(&OperatingPoint::precision), true, ValueFormat::kFraction},
              {"thresholds.overall.best.recall", "recall there", "recall at the best-F1 threshold",
               best(&OperatingPoint::recall), true, ValueFormat::kFraction}};
  s.tables.push_back({"thresholds.classes", "Per class at the best-F1 threshold", "each class's own best F1; " + at,
                      "category_id", "name",
                      {{"best.score", "best-F1 score", "the class's score threshold of highest F1", true, ValueFormat::kScore},
                       {"best.precision", "P there", "precision at that threshold"},
                       {"best.recall", "R there", "recall at that threshold"},
                       {"best.f1", "F1", "the class's highest F1"},
                       {"gt", "GT", "ground truth objects (not crowd)", true, ValueFormat::kCount},
                       {"detections", "detections", "detections of the class", true, ValueFormat::kCount}},
                      "best.f1"});
  s.charts.push_back({"thresholds", "thresholds", "Precision, recall and F1 against the score threshold", at});
  m.sections.push_back(std::move(s));
  return m;
}

}  // namespace ds::analysis
