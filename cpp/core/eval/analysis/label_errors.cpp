#include "core/eval/analysis/label_errors.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "core/eval/analysis/analyses.hpp"
#include "core/eval/coco/iou.hpp"
#include "core/eval/coco/matching.hpp"
#include "core/util/json_writer.hpp"

namespace ds::analysis {
namespace {

constexpr std::size_t kMaxDets = 100;  // COCO's last maxDets: per image and class
constexpr std::array<double, 2> kAllAreas = {0, 1e5 * 1e5};

struct ImageRecords {
  std::vector<const Annotation*> gts;  // file order
  std::vector<std::uint32_t> dts;      // positions in the detections, input order
};

}  // namespace

std::vector<LabelError> label_errors(const Dataset& gt, std::span<const Detection> detections,
                                     std::span<const std::int64_t> image_ids, double iou_threshold,
                                     double score_threshold) {
  std::unordered_map<std::int64_t, ImageRecords> images;
  for (const std::int64_t id : image_ids) images.try_emplace(id);
  for (const Annotation& a : gt.annotations)
    if (const auto it = images.find(a.image_id); it != images.end()) it->second.gts.push_back(&a);
  for (std::size_t n = 0; n < detections.size(); ++n)
    if (const auto it = images.find(detections[n].image_id); it != images.end())
      it->second.dts.push_back(static_cast<std::uint32_t>(n));

  std::vector<LabelError> out;
  const double thresholds[1] = {iou_threshold};
  coco::MatchScratch scratch;
  std::vector<const Annotation*> cat_gts;
  std::vector<const Detection*> cat_dts;
  std::vector<std::uint32_t> cat_src;
  std::vector<double> ious, one;
  std::vector<coco::DtStatus> status;
  for (const auto& [image_id, rec] : images) {
    // COCO's matching, class by class: which detections are false positives, which ground
    // truth is missed.
    // The score of the detection that matched each ground truth (absent: missed).
    std::unordered_map<const Annotation*, double> taken_by;
    std::vector<std::uint32_t> false_positives;
    std::vector<std::int64_t> cats;
    for (const Annotation* a : rec.gts) cats.push_back(a->category_id);
    for (const std::uint32_t d : rec.dts) cats.push_back(detections[d].category_id);
    std::sort(cats.begin(), cats.end());
    cats.erase(std::unique(cats.begin(), cats.end()), cats.end());
    for (const std::int64_t c : cats) {
      cat_gts.clear();
      for (const Annotation* a : rec.gts)
        if (a->category_id == c) cat_gts.push_back(a);
      cat_src.clear();
      for (const std::uint32_t d : rec.dts)
        if (detections[d].category_id == c) cat_src.push_back(d);
      std::stable_sort(cat_src.begin(), cat_src.end(), [&](std::uint32_t a, std::uint32_t b) {
        return detections[a].score > detections[b].score;
      });
      if (cat_src.size() > kMaxDets) cat_src.resize(kMaxDets);
      cat_dts.clear();
      for (const std::uint32_t d : cat_src) cat_dts.push_back(&detections[d]);
      ious.assign(cat_dts.size() * cat_gts.size(), 0);
      coco::box_iou(cat_dts, cat_gts, ious);
      status.assign(cat_dts.size(), coco::DtStatus::kIgnored);
      coco::ImageGroup group;
      group.gts = cat_gts;
      group.dts = cat_dts;
      group.ious = ious;
      coco::match_image(group, kAllAreas, thresholds, status, 1, scratch);
      // Which detection took each ground truth: the true positive of the highest IoU among
      // those above the threshold, found again as match_image found it (greedy, by score).
      std::vector<std::uint8_t> taken(cat_gts.size(), 0);
      for (std::size_t d = 0; d < cat_dts.size(); ++d) {
        if (status[d] != coco::DtStatus::kTruePositive) continue;
        double best = std::min(iou_threshold, 1 - 1e-10);
        std::ptrdiff_t m = -1;
        for (std::size_t g = 0; g < cat_gts.size(); ++g) {
          if (taken[g] || cat_gts[g]->iscrowd || ious[d * cat_gts.size() + g] < best) continue;
          best = ious[d * cat_gts.size() + g];
          m = static_cast<std::ptrdiff_t>(g);
        }
        if (m >= 0) {
          taken[static_cast<std::size_t>(m)] = 1;
          taken_by[cat_gts[static_cast<std::size_t>(m)]] = cat_dts[d]->score;
        }
      }
      for (std::size_t d = 0; d < cat_dts.size(); ++d)
        if (status[d] == coco::DtStatus::kFalsePositive && cat_dts[d]->score >= score_threshold)
          false_positives.push_back(cat_src[d]);
    }
    // Each confident false positive against every ground truth of the image, any class.
    for (const std::uint32_t d : false_positives) {
      const Detection* det = &detections[d];
      one.assign(rec.gts.size(), 0);
      coco::box_iou(std::span<const Detection* const>(&det, 1), rec.gts, one);
      LabelError e{image_id, static_cast<std::int64_t>(d) + 1, det->score, det->category_id, {}, {}, 0, false};
      // The most overlapped object of another class that its own class's detections missed;
      // and the most overlapped object of any class (crowd regions aside).
      const Annotation* other = nullptr;
      double other_iou = -1, best_iou = 0;
      for (std::size_t g = 0; g < rec.gts.size(); ++g) {
        const Annotation* a = rec.gts[g];
        if (a->iscrowd) continue;
        best_iou = std::max(best_iou, one[g]);
        if (a->category_id != det->category_id && !taken_by.contains(a) && one[g] >= kForegroundIou &&
            one[g] > other_iou) {
          other = a;
          other_iou = one[g];
        }
      }
      if (other) {
        e.wrong_label = true;
        e.gt_id = other->id;
        e.gt_category_id = other->category_id;
        e.iou = other_iou;
        out.push_back(e);
      } else if (best_iou < kBackgroundIou) {
        out.push_back(e);
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const LabelError& a, const LabelError& b) {
    return a.dt_score > b.dt_score || (a.dt_score == b.dt_score && a.dt_id < b.dt_id);
  });
  return out;
}

Metrics label_errors_analysis(const AnalysisContext& context) {
  const double iou = context.options.analysis_iou;
  const double score = context.options.score_threshold.value_or(kLabelErrorScore);
  const std::vector<LabelError> found = label_errors(context.gt, context.detections, context.image_ids, iou, score);
  std::unordered_map<std::int64_t, std::string> names;
  for (const Category& c : context.gt.categories) names.try_emplace(c.id, c.name);
  const auto name = [&](std::int64_t id) {
    const auto it = names.find(id);
    return it == names.end() ? std::to_string(id) : it->second;
  };
  const auto wrong = static_cast<std::int64_t>(std::count_if(found.begin(), found.end(), [](const LabelError& e) { return e.wrong_label; }));
  const auto missing = static_cast<std::int64_t>(found.size()) - wrong;

  JsonWriter w(1);
  w.begin_object().field("iou_threshold", iou).field("score_threshold", score);
  w.field("wrong_label", wrong).field("missing_annotation", missing);
  w.key("candidates").begin_array();
  for (const LabelError& e : found) {
    w.begin_object()
        .field("image_id", e.image_id)
        .field("dt_id", e.dt_id)
        .field("dt_score", e.dt_score)
        .field("dt_category", name(e.dt_category_id))
        .field("dt_category_id", e.dt_category_id);
    if (e.gt_id)
      w.field("gt_id", *e.gt_id).field("gt_category", name(*e.gt_category_id)).field("gt_category_id", *e.gt_category_id);
    else
      w.key("gt_id").null().key("gt_category").null().key("gt_category_id").null();
    const std::string what = e.wrong_label ? name(e.dt_category_id) + " on a " + name(*e.gt_category_id) + " (image " +
                                                 std::to_string(e.image_id) + ")"
                                           : name(e.dt_category_id) + ", nothing annotated (image " +
                                                 std::to_string(e.image_id) + ")";
    w.field("iou", e.iou).field("type", e.wrong_label ? "wrong_label" : "missing_annotation").field("what", what);
    w.end_object();
  }
  w.end_array().end_object();
  Metrics m;
  m.json_fields.emplace_back("label_errors", w.take());
  char line[200];
  std::snprintf(line, sizeof line,
                "\nLikely label errors: %lld wrong labels, %lld missing annotations (detections scoring >= %.2f, box IoU %.2f)\n",
                static_cast<long long>(wrong), static_cast<long long>(missing), score, iou);
  m.text = line;

  Section s{"label_errors", "Likely label errors", "", ""};
  char how[300];
  std::snprintf(how, sizeof how,
                "confident false positives (score >= %.2f) of COCO's box matching at IoU %.2f that overlap an object "
                "of another class its own class's detections missed at IoU %.2f or more (wrong label), or no object "
                "at IoU %.1f (missing annotation), as hotcoco's image_diagnostics",
                score, iou, kForegroundIou, kBackgroundIou);
  s.meaning = how;
  s.values = {{"label_errors.wrong_label", "wrong labels", "detections overlapping a missed object of another class",
               static_cast<double>(wrong), false, ValueFormat::kCount},
              {"label_errors.missing_annotation", "missing annotations", "confident detections overlapping no object",
               static_cast<double>(missing), false, ValueFormat::kCount}};
  Table t{"label_errors.candidates", "Candidates", "ranked by score: check these annotations first", "dt_id", "what", {}, ""};
  t.columns = {{"dt_score", "score", "the detection's score", true, ValueFormat::kScore},
               {"iou", "IoU", "wrong label: IoU with the object of the other class", true, ValueFormat::kFraction},
               {"image_id", "image", "the image's id", true, ValueFormat::kCount},
               {"dt_id", "detection", "the detection's 1-based position in the results", true, ValueFormat::kCount}};
  s.tables.push_back(std::move(t));
  // The top candidates as pictures (the report crops each detection out of its image).
  s.charts.push_back({"candidates", "label_errors.candidates", "The top candidates",
                      "each detection (vermillion) with the object of another class it overlaps (sky blue), most "
                      "confident first"});
  m.sections.push_back(std::move(s));
  return m;
}

}  // namespace ds::analysis
