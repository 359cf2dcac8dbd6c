#include "core/eval/analysis/paired_bootstrap.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <unordered_map>

#include "core/eval/analysis/image_boxes.hpp"
#include "core/eval/image_match.hpp"

namespace ds::analysis {
namespace {

constexpr std::size_t kThresholds = 10;  // 0.50, 0.55, ..., 0.95
constexpr std::size_t kRecalls = 101;

struct Scored {
  double score;
  std::uint32_t image;     // position in the image list
  std::uint16_t positive;  // bit t: a true positive at threshold t
  std::uint16_t ignored;   // bit t: inside a crowd region at threshold t
};

// One model's matches, per category, detections by descending score: fixed once, so that a
// sample only changes how often each image counts.
struct ModelMatches {
  std::vector<std::vector<Scored>> dets;         // [k]
  std::vector<std::vector<std::uint32_t>> gts;   // [k][image]: ground truth that counts
};

ModelMatches match_model(const std::vector<ImageBoxes>& images, const std::unordered_map<std::int64_t, std::size_t>& cat) {
  ModelMatches m;
  m.dets.resize(cat.size());
  m.gts.assign(cat.size(), std::vector<std::uint32_t>(images.size(), 0));
  for (std::size_t i = 0; i < images.size(); ++i) {
    const ImageBoxes& im = images[i];
    for (const Annotation& a : im.gts)
      if (const auto k = cat.find(a.category_id); k != cat.end() && !a.iscrowd) ++m.gts[k->second][i];
    std::vector<Scored> scored(im.dts.size());
    for (std::size_t d = 0; d < im.dts.size(); ++d) scored[d] = {im.dts[d].score, static_cast<std::uint32_t>(i), 0, 0};
    for (std::size_t t = 0; t < kThresholds; ++t) {
      const double thr = 0.5 + 0.05 * static_cast<double>(t);
      const ImageMatch match = im.match(thr);
      for (std::size_t d = 0; d < im.dts.size(); ++d) {
        if (match.detections[d] == DetectionOutcome::kTruePositive) scored[d].positive |= std::uint16_t(1u << t);
        if (match.detections[d] == DetectionOutcome::kCrowd) scored[d].ignored |= std::uint16_t(1u << t);
      }
    }
    for (std::size_t d = 0; d < im.dts.size(); ++d)
      if (const auto k = cat.find(im.dts[d].category_id); k != cat.end()) m.dets[k->second].push_back(scored[d]);
  }
  for (auto& v : m.dets)
    std::stable_sort(v.begin(), v.end(), [](const Scored& x, const Scored& y) { return x.score > y.score; });
  return m;
}

// pycocotools' accumulate + summarize for AP, with image i counted weight[i] times.
double weighted_ap(const ModelMatches& m, const std::vector<std::uint32_t>& weight) {
  double sum = 0;
  std::size_t n = 0;
  std::vector<double> precision, recall;
  for (std::size_t k = 0; k < m.dets.size(); ++k) {
    double n_gt = 0;
    for (std::size_t i = 0; i < weight.size(); ++i) n_gt += static_cast<double>(weight[i] * m.gts[k][i]);
    if (n_gt == 0) continue;  // pycocotools' -1: the category does not count
    for (std::size_t t = 0; t < kThresholds; ++t) {
      precision.clear();
      recall.clear();
      double tp = 0, fp = 0;
      for (const Scored& s : m.dets[k]) {
        const double w = weight[s.image];
        if (w == 0 || (s.ignored >> t & 1u)) continue;
        ((s.positive >> t & 1u) ? tp : fp) += w;
        precision.push_back(tp / (tp + fp));
        recall.push_back(tp / n_gt);
      }
      for (std::size_t i = precision.size(); i-- > 1;) precision[i - 1] = std::max(precision[i - 1], precision[i]);
      double ap = 0;
      for (std::size_t r = 0; r < kRecalls; ++r) {
        const double x = static_cast<double>(r) / 100.0;
        const auto idx = static_cast<std::size_t>(std::lower_bound(recall.begin(), recall.end(), x) - recall.begin());
        if (idx < precision.size()) ap += precision[idx];
      }
      sum += ap / kRecalls;
      ++n;
    }
  }
  return n > 0 ? sum / static_cast<double>(n) : -1.0;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace

const char* bootstrapped_metric(const Overlap& overlap) {
  // coco_metrics' keys for these matchings (its AP, prefixed as it prefixes them).
  switch (overlap.matching) {
    case Matching::kBox: return "AP";
    case Matching::kMask: return "segm_AP";
    case Matching::kBoundary: return "boundary_AP";
    case Matching::kKeypoints: return "keypoints_AP";
  }
  return "AP";
}

ApDifference paired_bootstrap_ap(const Dataset& gt, std::span<const std::int64_t> image_ids,
                                 std::span<const Detection> a, std::span<const Detection> b,
                                 std::size_t samples, std::uint64_t seed, const Overlap& overlap) {
  std::unordered_map<std::int64_t, std::size_t> cat;
  for (const Category& c : gt.categories) cat.try_emplace(c.id, cat.size());
  const ModelMatches ma = match_model(image_boxes(gt, image_ids, a, overlap), cat);
  const ModelMatches mb = match_model(image_boxes(gt, image_ids, b, overlap), cat);
  const std::size_t n = ma.gts.empty() ? 0 : ma.gts.front().size();
  ApDifference out;
  if (n == 0) return out;
  std::vector<std::uint32_t> weight(n, 1);
  out.observed = weighted_ap(mb, weight) - weighted_ap(ma, weight);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  std::vector<double> diffs;
  for (std::size_t s = 0; s < samples; ++s) {
    std::fill(weight.begin(), weight.end(), 0);
    for (std::size_t i = 0; i < n; ++i) ++weight[pick(rng)];
    const double ap_a = weighted_ap(ma, weight), ap_b = weighted_ap(mb, weight);
    if (ap_a < 0 || ap_b < 0) continue;  // a sample without ground truth
    diffs.push_back(ap_b - ap_a);
  }
  out.samples = diffs.size();
  if (diffs.empty()) return out;
  double sum = 0;
  for (const double d : diffs) sum += d;
  out.mean = sum / static_cast<double>(diffs.size());
  out.ci_low = percentile(diffs, 0.025);
  out.ci_high = percentile(diffs, 0.975);
  return out;
}

}  // namespace ds::analysis
