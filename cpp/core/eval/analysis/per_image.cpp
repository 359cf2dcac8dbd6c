#include "core/eval/analysis/per_image.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_set>

#include "core/eval/image_match.hpp"
#include "core/eval/analysis/analyses.hpp"
#include "core/util/json_writer.hpp"

namespace ds::analysis {

std::vector<ImageErrors> per_image_errors(const Dataset& gt, const std::vector<ImageBoxes>& images, double iou,
                                          double score_threshold) {
  std::unordered_set<std::int64_t> known;
  for (const Category& c : gt.categories) known.insert(c.id);
  std::vector<ImageErrors> out;
  out.reserve(images.size());
  std::vector<Detection> dts;
  std::vector<double> ious;
  for (const ImageBoxes& im : images) {
    // Detections of classes the dataset does not have are no errors of the image.
    dts.clear();
    ious.clear();
    for (std::size_t d = 0; d < im.dts.size(); ++d)
      if (known.contains(im.dts[d].category_id)) {
        dts.push_back(im.dts[d]);
        ious.insert(ious.end(), im.ious.begin() + static_cast<std::ptrdiff_t>(d * im.gts.size()),
                    im.ious.begin() + static_cast<std::ptrdiff_t>((d + 1) * im.gts.size()));
      }
    const ImageMatch m = match_image(im.gts, dts, {.iou_threshold = iou, .score_threshold = score_threshold}, ious);
    out.push_back({im.image->id, im.image->file_name, im.image->frame, m.true_positives, m.false_positives, m.missed});
  }
  return out;
}

std::vector<ImageErrors> per_image_errors(const Dataset& gt, const std::vector<ImageBoxes>& images,
                                          std::span<const ImageMatch> matches, double iou, double score_threshold) {
  if (!(score_threshold >= 0)) return per_image_errors(gt, images, iou, score_threshold);
  std::unordered_set<std::int64_t> known;
  for (const Category& c : gt.categories) known.insert(c.id);
  std::vector<ImageErrors> out;
  out.reserve(images.size());
  std::vector<std::uint8_t> taken;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const ImageBoxes& im = images[i];
    const ImageMatch& m = matches[i];
    ImageErrors e{im.image->id, im.image->file_name, im.image->frame};
    taken.assign(im.gts.size(), 0);
    // A detection of an unknown category could only take ground truth of that category, which
    // no other detection competes for: leaving it out changes no other outcome.
    for (std::size_t d = 0; d < im.dts.size(); ++d) {
      if (im.dts[d].score < score_threshold || !known.contains(im.dts[d].category_id)) continue;
      if (m.detections[d] == DetectionOutcome::kTruePositive) {
        ++e.tp;
        taken[static_cast<std::size_t>(m.matched_truth[d])] = 1;
      } else if (m.detections[d] == DetectionOutcome::kFalsePositive) {
        ++e.fp;
      }
    }
    for (std::size_t g = 0; g < im.gts.size(); ++g) e.fn += !im.gts[g].iscrowd && !taken[g];
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<std::size_t> worst_images(const std::vector<ImageErrors>& errors, std::size_t n) {
  std::vector<std::size_t> order(errors.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return errors[a].fp + errors[a].fn > errors[b].fp + errors[b].fn;
  });
  std::size_t keep = 0;
  while (keep < order.size() && keep < n && errors[order[keep]].fp + errors[order[keep]].fn > 0) ++keep;
  order.resize(keep);
  return order;
}

WorstImages find_worst_images(const Dataset& gt, std::span<const std::int64_t> image_ids,
                              std::span<const Detection> detections, const EvaluatorOptions& options) {
  const std::vector<ImageBoxes> images =
      image_boxes(gt, image_ids, detections, Overlap::of(options));
  const std::vector<ImageMatch> matches = match_images(images, options.analysis_iou);
  WorstImages w;
  w.score_threshold =
      options.score_threshold.value_or(best_f1_score(score_thresholds(gt, images, matches, options.analysis_iou)));
  const std::vector<ImageErrors> errors = per_image_errors(gt, images, matches, options.analysis_iou, w.score_threshold);
  for (const std::size_t i : worst_images(errors, options.worst_images)) w.image_ids.push_back(errors[i].image_id);
  return w;
}

Metrics per_image_analysis(const AnalysisContext& context) {
  const EvaluatorOptions& options = context.options;
  const double cut = context.score_cut;
  const std::vector<ImageErrors> errors =
      per_image_errors(context.gt, context.images, context.matches, options.analysis_iou, cut);
  JsonWriter w(1);
  w.begin_object().field("iou", options.analysis_iou).field("score_threshold", cut);
  w.key("images").begin_array();
  for (const ImageErrors& e : errors) {
    w.begin_object().field("image_id", e.image_id).field("file_name", e.file_name);
    if (e.frame >= 0) w.field("frame", e.frame);
    w.field("tp", static_cast<std::int64_t>(e.tp))
        .field("fp", static_cast<std::int64_t>(e.fp))
        .field("fn", static_cast<std::int64_t>(e.fn))
        .end_object();
  }
  w.end_array();
  std::vector<std::int64_t> worst;
  for (const std::size_t i : worst_images(errors, options.worst_images)) worst.push_back(errors[i].image_id);
  w.key("worst").value(std::span<const std::int64_t>(worst));
  w.end_object();
  Metrics m;
  m.json_fields.emplace_back("per_image", w.take());
  char at[96];
  std::snprintf(at, sizeof at, " %.2f, score >= %.2f", options.analysis_iou, cut);
  Section s{"per_image", "Worst images", "", std::string("true positives, false positives and misses per image at ") +
                                              context.matched_by + at};
  s.charts.push_back({"per_image", "per_image", "Worst images", s.meaning});
  m.sections.push_back(std::move(s));
  return m;
}

}  // namespace ds::analysis
