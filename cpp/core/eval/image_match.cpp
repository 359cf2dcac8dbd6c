#include "core/eval/image_match.hpp"

#include <algorithm>

#include "core/eval/coco/iou.hpp"
#include "core/eval/coco/oks.hpp"
#include "core/mask/boundary.hpp"
#include "core/mask/iou.hpp"
#include "core/mask/segmentation.hpp"

namespace ds {
namespace {

mask::Rle mask_of(const mask::Segmentation* s, const Box& box, const MatchOptions::MaskImage& image) {
  if (s) return mask::to_rle(*s, image.height, image.width);
  return mask::to_rle(mask::box_segmentation(box.x, box.y, box.w, box.h), image.height, image.width);
}

void mask_iou(std::span<const Detection* const> dts, std::span<const Annotation* const> gts,
              const MatchOptions::MaskImage& image, std::span<double> out) {
  std::vector<mask::Rle> dt_masks, gt_masks;
  for (const Detection* d : dts) dt_masks.push_back(mask_of(d->segmentation.get(), d->bbox, image));
  for (const Annotation* g : gts) gt_masks.push_back(mask_of(g->segmentation.get(), g->bbox, image));
  std::vector<const mask::Rle*> dp, gp;
  for (const auto& m : dt_masks) dp.push_back(&m);
  for (const auto& m : gt_masks) gp.push_back(&m);
  std::vector<std::uint8_t> crowd;
  for (const Annotation* g : gts) crowd.push_back(g->iscrowd ? 1 : 0);
  mask::iou(dp, gp, crowd, out);
  if (image.boundary_dilation_ratio <= 0) return;
  std::vector<mask::Rle> dt_edges, gt_edges;
  for (const auto& m : dt_masks) dt_edges.push_back(mask::boundary_of(m, image.boundary_dilation_ratio));
  for (const auto& m : gt_masks) gt_edges.push_back(mask::boundary_of(m, image.boundary_dilation_ratio));
  for (std::size_t i = 0; i < dp.size(); ++i) dp[i] = &dt_edges[i];
  for (std::size_t i = 0; i < gp.size(); ++i) gp[i] = &gt_edges[i];
  std::vector<double> edges(out.size());
  mask::iou(dp, gp, crowd, edges);
  for (std::size_t i = 0; i < out.size(); ++i)
    if (!crowd[i % gts.size()]) out[i] = std::min(out[i], edges[i]);
}

// OKS per pair, each with its detection's category's vars (the TIDE analysis compares across
// classes too: a person's keypoints against another class's are 0 unless the counts agree).
void keypoint_similarity(std::span<const Detection* const> dts, std::span<const Annotation* const> gts,
                         const std::unordered_map<std::int64_t, std::vector<double>>& vars, std::span<double> out) {
  std::vector<double> scratch;
  for (std::size_t d = 0; d < dts.size(); ++d) {
    const auto v = vars.find(dts[d]->category_id);
    for (std::size_t g = 0; g < gts.size(); ++g) {
      double& o = out[d * gts.size() + g];
      o = 0;
      if (v == vars.end() || dts[d]->keypoints.size() != 3 * v->second.size()) continue;
      if (!gts[g]->keypoints.empty() && gts[g]->keypoints.size() != dts[d]->keypoints.size()) continue;
      coco::keypoint_oks(dts.subspan(d, 1), gts.subspan(g, 1), v->second, {&o, 1}, scratch);
    }
  }
}

}  // namespace

void pair_ious(std::span<const Detection* const> dts, std::span<const Annotation* const> gts,
               const MatchOptions& options, std::span<double> out) {
  if (options.oks_vars)
    keypoint_similarity(dts, gts, *options.oks_vars, out);
  else if (options.masks)
    mask_iou(dts, gts, *options.masks, out);
  else
    coco::box_iou(dts, gts, out);
}

ImageMatch match_image(std::span<const Annotation> truth, std::span<const Detection> detections,
                       const MatchOptions& options) {
  // The metric's own IoU (crowd regions divide by the detection's area), so the viewer and the
  // numbers agree on what overlaps. Only detections above the score threshold need one.
  std::vector<std::size_t> kept;
  for (std::size_t d = 0; d < detections.size(); ++d)
    if (detections[d].score >= options.score_threshold) kept.push_back(d);
  std::vector<const Detection*> kept_dts;
  for (const std::size_t d : kept) kept_dts.push_back(&detections[d]);
  std::vector<const Annotation*> gts;
  for (const Annotation& a : truth) gts.push_back(&a);
  std::vector<double> kept_ious(kept.size() * gts.size());
  pair_ious(kept_dts, gts, options, kept_ious);
  std::vector<double> ious(detections.size() * gts.size(), 0.0);
  for (std::size_t k = 0; k < kept.size(); ++k)
    std::copy_n(kept_ious.begin() + static_cast<std::ptrdiff_t>(k * gts.size()), gts.size(),
                ious.begin() + static_cast<std::ptrdiff_t>(kept[k] * gts.size()));
  return match_image(truth, detections, options, ious);
}

ImageMatch match_image(std::span<const Annotation> truth, std::span<const Detection> detections,
                       const MatchOptions& options, std::span<const double> ious) {
  ImageMatch out;
  out.detections.assign(detections.size(), DetectionOutcome::kBelowThreshold);
  out.matched_truth.assign(detections.size(), -1);
  out.truth.assign(truth.size(), TruthOutcome::kMissed);

  std::vector<std::size_t> order;
  for (std::size_t d = 0; d < detections.size(); ++d)
    if (detections[d].score >= options.score_threshold) order.push_back(d);
  // Stable, so equal scores keep file order, as pycocotools' mergesort does.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return detections[a].score > detections[b].score;
  });
  const std::size_t G = truth.size();

  std::vector<bool> taken(truth.size(), false);
  for (const std::size_t d : order) {
    std::ptrdiff_t best = -1;
    double best_iou = 0;
    bool in_crowd = false;
    for (std::size_t g = 0; g < G; ++g) {
      if (truth[g].category_id != detections[d].category_id) continue;
      const double iou = ious[d * G + g];
      if (iou < options.iou_threshold) continue;
      if (truth[g].iscrowd) {
        in_crowd = true;
      } else if (!taken[g] && (best < 0 || iou > best_iou)) {
        best = static_cast<std::ptrdiff_t>(g);
        best_iou = iou;
      }
    }
    if (best >= 0) {
      taken[static_cast<std::size_t>(best)] = true;
      out.matched_truth[d] = best;
      out.detections[d] = DetectionOutcome::kTruePositive;
      ++out.true_positives;
    } else if (in_crowd) {
      out.detections[d] = DetectionOutcome::kCrowd;
    } else {
      out.detections[d] = DetectionOutcome::kFalsePositive;
      ++out.false_positives;
    }
  }
  for (std::size_t g = 0; g < truth.size(); ++g) {
    if (truth[g].iscrowd) {
      out.truth[g] = TruthOutcome::kCrowd;
    } else if (taken[g]) {
      out.truth[g] = TruthOutcome::kMatched;
    } else {
      ++out.missed;
    }
  }
  return out;
}

}  // namespace ds
