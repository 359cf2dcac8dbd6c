#include "viewer/browse.hpp"

#include "core/eval/analysis/label_errors.hpp"
#include "core/eval/voc/matching.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>

namespace ds::viewer {
namespace {

bool wanted(const ShowOptions& o, std::int64_t category) { return !o.classes || o.classes->contains(category); }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

bool inside(const Box& b, double x, double y) { return x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h; }

// What the panel reports of a pair: OKS when the image was matched by keypoints (the value the
// matching compared), else the boxes' IoU.
double overlap_of(const Shown& shown, const Detection& d, const Annotation& a) {
  if (!shown.oks_vars) return voc::box_iou(d.bbox, a.bbox);
  const Detection* dp = &d;
  const Annotation* ap = &a;
  double v = 0;
  pair_ious({&dp, 1}, {&ap, 1}, {.oks_vars = shown.oks_vars}, {&v, 1});
  return v;
}

}  // namespace

Shown shown_boxes(std::span<const Annotation> truth, std::span<const Detection> detections,
                  const ShowOptions& options) {
  std::vector<Annotation> t;
  std::vector<std::size_t> ti;
  for (std::size_t g = 0; g < truth.size(); ++g)
    if (wanted(options, truth[g].category_id)) t.push_back(truth[g]), ti.push_back(g);
  std::vector<Detection> d;
  std::vector<std::size_t> di;
  for (std::size_t k = 0; k < detections.size(); ++k)
    if (wanted(options, detections[k].category_id)) d.push_back(detections[k]), di.push_back(k);
  const ImageMatch m =
      match_image(t, d, {.iou_threshold = options.iou_threshold, .score_threshold = options.score_threshold,
                         .masks = options.masks, .oks_vars = options.oks_vars});

  Shown s;
  s.oks_vars = options.oks_vars;
  if (options.show_crowd) {
    s.truth = std::move(t);
    s.detections = std::move(d);
    s.match = m;
    s.truth_index = std::move(ti);
    s.detection_index = std::move(di);
    return s;
  }
  // Crowd hidden: keep the rest, renumbering the matches into the kept truth.
  std::vector<std::ptrdiff_t> new_index(t.size(), -1);
  for (std::size_t g = 0; g < t.size(); ++g) {
    if (m.truth[g] == TruthOutcome::kCrowd) continue;
    new_index[g] = static_cast<std::ptrdiff_t>(s.truth.size());
    s.truth.push_back(t[g]);
    s.truth_index.push_back(ti[g]);
    s.match.truth.push_back(m.truth[g]);
  }
  for (std::size_t k = 0; k < d.size(); ++k) {
    if (m.detections[k] == DetectionOutcome::kCrowd) continue;
    s.detections.push_back(d[k]);
    s.detection_index.push_back(di[k]);
    s.match.detections.push_back(m.detections[k]);
    s.match.matched_truth.push_back(m.matched_truth[k] < 0 ? -1 : new_index[static_cast<std::size_t>(m.matched_truth[k])]);
  }
  s.match.true_positives = m.true_positives;
  s.match.false_positives = m.false_positives;
  s.match.missed = m.missed;
  return s;
}

std::optional<double> f1_score(std::size_t tp, std::size_t fp, std::size_t fn) {
  if (tp + fp + fn == 0) return std::nullopt;
  return 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn);
}

ImageRow image_row(std::size_t index, const std::string& file_name, const Shown& shown, bool known) {
  ImageRow r;
  r.index = index;
  r.file_name = file_name;
  r.known = known;
  for (const Annotation& a : shown.truth) r.classes.insert(a.category_id);
  if (!known) return r;
  r.tp = shown.match.true_positives;
  r.fp = shown.match.false_positives;
  r.fn = shown.match.missed;
  r.f1 = f1_score(r.tp, r.fp, r.fn);
  for (std::size_t k = 0; k < shown.detections.size(); ++k)
    if (shown.match.detections[k] != DetectionOutcome::kBelowThreshold) r.classes.insert(shown.detections[k].category_id);
  return r;
}

std::size_t label_error_count(std::span<const Annotation> truth, std::span<const Detection> detections,
                              const ShowOptions& options) {
  if (detections.empty()) return 0;
  // label_errors reads a dataset: this image alone, under one id (the boxes' own).
  const std::int64_t id = detections.front().image_id;
  Dataset one;
  one.annotations.assign(truth.begin(), truth.end());
  for (Annotation& a : one.annotations) a.image_id = id;
  const std::int64_t ids[1] = {id};
  return analysis::label_errors(one, detections, ids, options.iou_threshold, options.score_threshold).size();
}

bool passes(const ImageRow& row, const ListFilter& filter, const std::vector<std::string>& class_names_present) {
  if (!filter.text.empty()) {
    const std::string needle = lower(filter.text);
    bool found = lower(row.file_name).find(needle) != std::string::npos;
    for (const std::string& c : class_names_present) found = found || lower(c).find(needle) != std::string::npos;
    if (!found) return false;
  }
  if (filter.outcome == OutcomeFilter::kAll) return true;
  if (!row.known) return false;
  switch (filter.outcome) {
    case OutcomeFilter::kErrors: return row.fp + row.fn > 0;
    case OutcomeFilter::kFalsePositives: return row.fp > 0;
    case OutcomeFilter::kMissed: return row.fn > 0;
    case OutcomeFilter::kNoErrors: return row.fp + row.fn == 0;
    case OutcomeFilter::kLabelErrors: return row.label_errors > 0;
    case OutcomeFilter::kAll: break;
  }
  return true;
}

SubsetMetrics subset_metrics(std::span<const ImageRow* const> rows) {
  SubsetMetrics m;
  for (const ImageRow* r : rows) {
    ++m.images;
    if (!r->known) {
      ++m.pending;
      continue;
    }
    m.tp += r->tp;
    m.fp += r->fp;
    m.fn += r->fn;
  }
  if (m.tp + m.fp > 0) m.precision = static_cast<double>(m.tp) / static_cast<double>(m.tp + m.fp);
  if (m.tp + m.fn > 0) m.recall = static_cast<double>(m.tp) / static_cast<double>(m.tp + m.fn);
  m.f1 = f1_score(m.tp, m.fp, m.fn);
  return m;
}

double box_iou(const Box& a, const Box& b) { return voc::box_iou(a, b); }  // the same continuous IoU

std::string area_range(double area) {
  if (area < 32.0 * 32.0) return "small";
  if (area < 96.0 * 96.0) return "medium";
  return "large";
}

std::optional<Picked> pick_box(const Shown& shown, double x, double y, bool truth_visible, bool detections_visible) {
  std::optional<Picked> best;
  double best_area = std::numeric_limits<double>::infinity();
  if (detections_visible) {
    for (std::size_t k = 0; k < shown.detections.size(); ++k) {
      if (shown.match.detections[k] == DetectionOutcome::kBelowThreshold) continue;
      const Box& b = shown.detections[k].bbox;
      if (inside(b, x, y) && b.w * b.h < best_area) best = Picked{true, k}, best_area = b.w * b.h;
    }
  }
  if (truth_visible) {
    for (std::size_t g = 0; g < shown.truth.size(); ++g) {
      const Box& b = shown.truth[g].bbox;
      if (inside(b, x, y) && b.w * b.h < best_area) best = Picked{false, g}, best_area = b.w * b.h;
    }
  }
  return best;
}

std::string describe_box(const Shown& shown, const Picked& p,
                         const std::function<std::string(std::int64_t)>& category_name) {
  const auto box_text = [](const Box& b) {
    return "box " + fixed(b.x, 1) + ", " + fixed(b.y, 1) + ", " + fixed(b.w, 1) + " x " + fixed(b.h, 1);
  };
  std::string out;
  if (p.detection) {
    const Detection& d = shown.detections[p.index];
    const DetectionOutcome o = shown.match.detections[p.index];
    out = "detection: " + category_name(d.category_id) + "\nscore " + fixed(d.score, 3) + "\n" +
          (o == DetectionOutcome::kTruePositive ? "true positive"
           : o == DetectionOutcome::kCrowd     ? "inside a crowd region (ignored)"
                                                : "false positive") +
          "\n";
    const std::string what = shown.oks_vars ? "OKS " : "IoU ";
    const std::ptrdiff_t g = shown.match.matched_truth[p.index];
    if (g >= 0) {
      const Annotation& a = shown.truth[static_cast<std::size_t>(g)];
      out += what + fixed(overlap_of(shown, d, a), 3) + " with ground truth id " + std::to_string(a.id) + "\n";
    } else {
      // The best overlap it had, so a near miss can be told from a box in the void.
      double best = 0;
      std::int64_t id = -1;
      for (const Annotation& a : shown.truth) {
        const double v = overlap_of(shown, d, a);
        if (v > best) best = v, id = a.id;
      }
      out += id >= 0 ? "no match; best " + what + fixed(best, 3) + " with ground truth id " + std::to_string(id) + "\n"
                     : "no match; overlaps no ground truth\n";
    }
    const double area = d.bbox.w * d.bbox.h;
    out += "area " + fixed(area, 0) + " (" + area_range(area) + ")\n" + box_text(d.bbox);
    return out;
  }
  const Annotation& a = shown.truth[p.index];
  const TruthOutcome o = shown.match.truth[p.index];
  out = "ground truth: " + category_name(a.category_id) + "\nid " + std::to_string(a.id) + "\n" +
        (o == TruthOutcome::kMatched ? "found" : o == TruthOutcome::kCrowd ? "crowd region (ignored)" : "missed") + "\n";
  for (std::size_t k = 0; k < shown.detections.size(); ++k) {
    if (shown.match.matched_truth[k] == static_cast<std::ptrdiff_t>(p.index))
      out += "matched by score " + fixed(shown.detections[k].score, 3) + (shown.oks_vars ? ", OKS " : ", IoU ") +
             fixed(overlap_of(shown, shown.detections[k], a), 3) + "\n";
  }
  const double area = a.area > 0 ? a.area : a.bbox.w * a.bbox.h;
  out += "area " + fixed(area, 0) + " (" + area_range(area) + ")\n";
  out += std::string("crowd ") + (a.iscrowd ? "yes" : "no") + ", difficult " + (a.difficult ? "yes" : "no") + "\n";
  out += box_text(a.bbox);
  return out;
}

}  // namespace ds::viewer
