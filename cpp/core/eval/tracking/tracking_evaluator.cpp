#include "core/eval/tracking/tracking_evaluator.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unordered_set>

#include "core/util/error.hpp"
#include "core/util/json_writer.hpp"

namespace ds::tracking {
namespace {

// TrackEval's summary and detailed fields, in its order: HOTA's (means over the alphas), CLEAR's,
// Identity's. Counts are integers in metrics.json.
struct Field {
  const char* name;
  bool count;
};
constexpr Field kHotaScalars[] = {{"HOTA(0)", false}, {"LocA(0)", false}, {"HOTALocA(0)", false}};
constexpr Field kClearFields[] = {
    {"MOTA", false},   {"MOTP", false},  {"MODA", false},   {"CLR_Re", false},       {"CLR_Pr", false},
    {"MTR", false},    {"PTR", false},   {"MLR", false},    {"sMOTA", false},        {"CLR_F1", false},
    {"FP_per_frame", false}, {"MOTAL", false}, {"MOTP_sum", false}, {"CLR_TP", true}, {"CLR_FN", true},
    {"CLR_FP", true},  {"IDSW", true},   {"MT", true},      {"PT", true},            {"ML", true},
    {"Frag", true},    {"CLR_Frames", true}};
constexpr Field kIdentityFields[] = {{"IDF1", false}, {"IDR", false}, {"IDP", false},
                                     {"IDTP", true},  {"IDFN", true}, {"IDFP", true}};

double clear_field(const ClearResult& r, std::string_view n) {
  const std::pair<std::string_view, double> all[] = {
      {"MOTA", r.MOTA},     {"MOTP", r.MOTP},   {"MODA", r.MODA},     {"CLR_Re", r.CLR_Re}, {"CLR_Pr", r.CLR_Pr},
      {"MTR", r.MTR},       {"PTR", r.PTR},     {"MLR", r.MLR},       {"sMOTA", r.sMOTA},   {"CLR_F1", r.CLR_F1},
      {"FP_per_frame", r.FP_per_frame}, {"MOTAL", r.MOTAL}, {"MOTP_sum", r.MOTP_sum}, {"CLR_TP", r.CLR_TP},
      {"CLR_FN", r.CLR_FN}, {"CLR_FP", r.CLR_FP}, {"IDSW", r.IDSW}, {"MT", r.MT}, {"PT", r.PT}, {"ML", r.ML},
      {"Frag", r.Frag},     {"CLR_Frames", r.CLR_Frames}};
  for (const auto& [k, v] : all)
    if (k == n) return v;
  return 0;
}

double identity_field(const IdentityResult& r, std::string_view n) {
  if (n == "IDF1") return r.IDF1;
  if (n == "IDR") return r.IDR;
  if (n == "IDP") return r.IDP;
  if (n == "IDTP") return r.IDTP;
  if (n == "IDFN") return r.IDFN;
  return r.IDFP;
}

double hota_scalar(const HotaResult& r, std::string_view n) {
  if (n == "HOTA(0)") return r.HOTA0;
  if (n == "LocA(0)") return r.LocA0;
  return r.HOTALocA0;
}

void write_field(JsonWriter& w, const char* name, double v, bool count) {
  if (count)
    w.field(name, static_cast<std::int64_t>(v));
  else
    w.field(name, v);
}

// Every scalar of one sequence (or the combination), TrackEval's names as keys.
void write_scalars(JsonWriter& w, const SequenceScores& s) {
  for (const std::string_view f : HotaResult::kArrayFields) w.field(f, alpha_mean(s.hota.array(f)));
  for (const Field& f : kHotaScalars) write_field(w, f.name, hota_scalar(s.hota, f.name), f.count);
  for (const Field& f : kClearFields) write_field(w, f.name, clear_field(s.clear, f.name), f.count);
  for (const Field& f : kIdentityFields) write_field(w, f.name, identity_field(s.identity, f.name), f.count);
}

void write_curves(JsonWriter& w, const SequenceScores& s) {
  w.begin_object().field("name", s.name);
  for (const std::string_view f : HotaResult::kArrayFields) w.field(f, std::span<const double>(s.hota.array(f)));
  w.field("HOTA_TP", std::span<const double>(s.hota.HOTA_TP))
      .field("HOTA_FN", std::span<const double>(s.hota.HOTA_FN))
      .field("HOTA_FP", std::span<const double>(s.hota.HOTA_FP));
  w.end_object();
}

std::string text_table(std::span<const SequenceScores> rows, const SequenceScores& combined, const std::string& what) {
  std::string out = "\nTracking (TrackEval 1.3's HOTA, CLEAR, Identity; %) - " + what + ":\n";
  char line[256];
  std::snprintf(line, sizeof line, " %-20s %7s %7s %7s %7s %7s %7s %7s %6s %6s %5s %5s %5s\n", "sequence", "HOTA", "DetA",
                "AssA", "LocA", "MOTA", "MOTP", "IDF1", "IDSW", "Frag", "MT", "PT", "ML");
  out += line;
  const auto row = [&](const SequenceScores& s, const std::string& name) {
    std::snprintf(line, sizeof line, " %-20.20s %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %6.0f %6.0f %5.0f %5.0f %5.0f\n",
                  name.c_str(), 100 * alpha_mean(s.hota.HOTA), 100 * alpha_mean(s.hota.DetA), 100 * alpha_mean(s.hota.AssA),
                  100 * alpha_mean(s.hota.LocA), 100 * s.clear.MOTA, 100 * s.clear.MOTP, 100 * s.identity.IDF1, s.clear.IDSW,
                  s.clear.Frag, s.clear.MT, s.clear.PT, s.clear.ML);
    out += line;
  };
  if (rows.size() > 1)
    for (const SequenceScores& s : rows) row(s, s.name);
  row(combined, rows.size() > 1 ? "COMBINED" : rows.front().name);
  return out;
}

// Id switches and fragmentations along each sequence, in kBins equal parts of its frames (one x
// axis for sequences of any length), COMBINED first as the sum of the sequences' parts.
constexpr std::size_t kBins = 50;
constexpr std::size_t kWorstTracks = 20;

std::vector<double> binned(const std::vector<double>& per_frame) {
  std::vector<double> out(kBins, 0.0);
  const std::size_t n = per_frame.size();
  for (std::size_t t = 0; t < n; ++t) out[std::min(kBins - 1, t * kBins / n)] += per_frame[t];
  return out;
}

void write_timeline(JsonWriter& w, std::span<const SequenceScores> sequences, bool several) {
  std::vector<double> position(kBins);
  for (std::size_t b = 0; b < kBins; ++b) position[b] = static_cast<double>(b + 1) / kBins;
  w.key("timeline").begin_object().field("position", std::span<const double>(position));
  w.key("sequences").begin_array();
  std::vector<double> all_idsw(kBins, 0.0), all_frag(kBins, 0.0);
  std::vector<std::pair<std::vector<double>, std::vector<double>>> rows;
  for (const SequenceScores& s : sequences) {
    rows.emplace_back(binned(s.details.idsw_per_frame), binned(s.details.frag_per_frame));
    for (std::size_t b = 0; b < kBins; ++b) {
      all_idsw[b] += rows.back().first[b];
      all_frag[b] += rows.back().second[b];
    }
  }
  // The report's curves live on a unit square: the share of the sequence's events so far (a
  // cumulative distribution), with the counts per part beside it.
  const auto cumulative = [](const std::vector<double>& counts) {
    std::vector<double> out(counts.size(), 0.0);
    double total = 0, sum = 0;
    for (const double c : counts) total += c;
    for (std::size_t b = 0; b < counts.size() && total > 0; ++b) out[b] = (sum += counts[b]) / total;
    return out;
  };
  const auto item = [&](const std::string& name, const std::vector<double>& idsw, const std::vector<double>& frag) {
    w.begin_object()
        .field("name", name)
        .field("IDSW", std::span<const double>(cumulative(idsw)))
        .field("Frag", std::span<const double>(cumulative(frag)))
        .field("IDSW_count", std::span<const double>(idsw))
        .field("Frag_count", std::span<const double>(frag))
        .end_object();
  };
  if (several) item("COMBINED", all_idsw, all_frag);
  for (std::size_t k = 0; k < sequences.size(); ++k) item(sequences[k].name, rows[k].first, rows[k].second);
  w.end_array().end_object();
}

// The ground-truth tracks that broke most (fragmentations + id switches), at most kWorstTracks.
void write_fragmented(JsonWriter& w, std::span<const SequenceScores> sequences) {
  struct Row {
    const SequenceScores* seq;
    std::size_t g;
    double breaks;
  };
  std::vector<Row> rows;
  for (const SequenceScores& s : sequences)
    for (std::size_t g = 0; g < s.details.gt_frag.size(); ++g) {
      const double breaks = s.details.gt_frag[g] + s.details.gt_idsw[g];
      if (breaks > 0) rows.push_back({&s, g, breaks});
    }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.breaks > b.breaks; });
  if (rows.size() > kWorstTracks) rows.resize(kWorstTracks);
  w.key("fragmented_tracks").begin_array();
  for (const Row& r : rows) {
    const ClearDetails& d = r.seq->details;
    const std::int64_t id = r.seq->gt_ids[r.g];
    w.begin_object()
        .field("track", r.seq->name + ":" + std::to_string(id))
        .field("sequence", r.seq->name)
        .field("id", id)
        .field("frames", static_cast<std::int64_t>(d.gt_frames[r.g]))
        .field("matched", d.gt_frames[r.g] > 0 ? d.gt_matched[r.g] / d.gt_frames[r.g] : 0.0)
        .field("Frag", static_cast<std::int64_t>(d.gt_frag[r.g]))
        .field("IDSW", static_cast<std::int64_t>(d.gt_idsw[r.g]))
        .end_object();
  }
  w.end_array();
}

Section describe(const std::string& preprocessing, bool several) {
  Section s;
  s.id = "tracking";
  s.title = "Tracking: HOTA, CLEAR, Identity";
  s.short_label = "track";
  s.meaning = "TrackEval 1.3's HOTA, CLEAR MOT and Identity metrics over the sequence's frames (" + preprocessing +
              (several ? "; sequences combined as TrackEval's COMBINED_SEQ" : "") + ")";
  s.primary = "tracking.HOTA";
  const auto value = [&](const char* key, const char* label, const std::string& meaning, bool higher, ValueFormat f,
                         bool headline) {
    s.values.push_back({std::string("tracking.") + key, label, meaning, -1, higher, f, headline});
  };
  const std::string mean = ", mean over the 19 localisation thresholds alpha = 0.05..0.95";
  value("HOTA", "HOTA", "higher order tracking accuracy: sqrt(DetA x AssA)" + mean, true, ValueFormat::kFraction, true);
  value("DetA", "DetA", "detection accuracy: TP / (TP + FN + FP)" + mean, true, ValueFormat::kFraction, false);
  value("AssA", "AssA", "association accuracy: the matched detections' mean track-level Jaccard" + mean, true,
        ValueFormat::kFraction, false);
  value("LocA", "LocA", "localisation accuracy: the matched boxes' mean IoU" + mean, true, ValueFormat::kFraction, false);
  value("DetRe", "DetRe", "detection recall" + mean, true, ValueFormat::kFraction, false);
  value("DetPr", "DetPr", "detection precision" + mean, true, ValueFormat::kFraction, false);
  value("AssRe", "AssRe", "association recall" + mean, true, ValueFormat::kFraction, false);
  value("AssPr", "AssPr", "association precision" + mean, true, ValueFormat::kFraction, false);
  // MOTA goes below 0 (more errors than objects): a number, not a fraction (whose -1 means "no data").
  value("MOTA", "MOTA", "CLEAR MOT accuracy: 1 - (FN + FP + IDSW) / ground truth, matched at IoU 0.5", true,
        ValueFormat::kNumber, true);
  value("MOTP", "MOTP", "CLEAR MOT precision: the matched boxes' mean IoU", true, ValueFormat::kFraction, false);
  value("IDF1", "IDF1", "identity F1: the share of boxes on the best one-to-one matching of tracks", true,
        ValueFormat::kFraction, true);
  value("IDP", "IDP", "identity precision", true, ValueFormat::kFraction, false);
  value("IDR", "IDR", "identity recall", true, ValueFormat::kFraction, false);
  value("IDSW", "IDSW", "identity switches: a ground-truth track matched to another track id than before", false,
        ValueFormat::kCount, false);
  value("Frag", "Frag", "fragmentations: a matched ground-truth track lost and picked up again", false,
        ValueFormat::kCount, false);
  value("MT", "MT", "mostly tracked: ground-truth tracks matched in more than 80% of their frames", true,
        ValueFormat::kCount, false);
  value("PT", "PT", "partly tracked: matched in 20% to 80% of their frames", true, ValueFormat::kCount, false);
  value("ML", "ML", "mostly lost: matched in under 20% of their frames", false, ValueFormat::kCount, false);
  value("CLR_TP", "TP", "CLEAR true positives (matched boxes)", true, ValueFormat::kCount, false);
  value("CLR_FN", "FN", "CLEAR misses", false, ValueFormat::kCount, false);
  value("CLR_FP", "FP", "CLEAR false positives", false, ValueFormat::kCount, false);
  if (several)
    s.tables.push_back({"tracking.sequences", "Per sequence", "each sequence's numbers", "name", "name",
                        {{"HOTA", "HOTA", "sqrt(DetA x AssA), mean over alpha"},
                         {"DetA", "DetA", "detection accuracy"},
                         {"AssA", "AssA", "association accuracy"},
                         {"MOTA", "MOTA", "CLEAR MOT accuracy (may be negative)", true, ValueFormat::kNumber},
                         {"IDF1", "IDF1", "identity F1"},
                         {"IDSW", "IDSW", "identity switches", false, ValueFormat::kCount},
                         {"Frag", "Frag", "fragmentations", false, ValueFormat::kCount}},
                        "HOTA"});
  s.curves.push_back({"tracking.alpha_curves", "HOTA against the localisation threshold",
                      "HOTA, DetA and AssA at each IoU threshold alpha (TrackEval's per-alpha arrays; the headline "
                      "numbers are their means)",
                      "alpha", "alpha (IoU threshold)", "score", "sequences", "name",
                      {{"HOTA", "HOTA"}, {"DetA", "DetA"}, {"AssA", "AssA"}, {"LocA", "LocA"}}});
  s.curves.push_back({"tracking.timeline", "Identity switches and fragmentations along the sequence",
                      "the share of the sequence's CLEAR id switches and fragmentations that happened up to each "
                      "fiftieth of its frames (a steep step: many at once; IDSW_count and Frag_count hold the counts)",
                      "position", "share of the frames", "share of the events so far", "sequences", "name",
                      {{"IDSW", "id switches"}, {"Frag", "fragmentations"}}});
  s.tables.push_back({"tracking.fragmented_tracks", "Most fragmented tracks",
                      "the ground-truth tracks broken most often (fragmentations + id switches), at most 20", "track",
                      "track",
                      {{"frames", "frames", "frames the object is in (after preprocessing)", true, ValueFormat::kCount},
                       {"matched", "matched", "share of those frames it was matched (CLEAR)"},
                       {"Frag", "Frag", "times it was lost and picked up again", false, ValueFormat::kCount},
                       {"IDSW", "IDSW", "times it was matched to another track id", false, ValueFormat::kCount}},
                      ""});
  return s;
}

std::string sequence_name(const std::string& source) {
  // formats/mot reads <sequence>/gt/gt.txt: the sequence folder's name.
  const std::filesystem::path p(source);
  if (p.filename() == "gt.txt" && p.parent_path().filename() == "gt") {
    const std::string name = p.parent_path().parent_path().filename().string();
    if (!name.empty() && name != ".") return name;
  }
  const std::string stem = p.stem().string();
  return stem.empty() ? "sequence" : stem;
}

}  // namespace

SequenceScores score_sequence(const RawSequence& raw, const Preprocessing& preprocessing) {
  const SequenceData data = preprocess(raw, preprocessing);
  SequenceScores out{raw.name, hota_sequence(data), {}, identity_sequence(data), {}, data.gt_original_ids};
  out.clear = clear_sequence(data, 0.5, &out.details);
  return out;
}

Metrics tracking_metrics(std::span<const SequenceScores> sequences, const std::string& preprocessing) {
  if (sequences.empty()) throw Error("tracking: no sequence to score");
  std::vector<HotaResult> hota;
  std::vector<ClearResult> clear;
  std::vector<IdentityResult> identity;
  for (const SequenceScores& s : sequences) {
    hota.push_back(s.hota);
    clear.push_back(s.clear);
    identity.push_back(s.identity);
  }
  const bool several = sequences.size() > 1;
  // TrackEval's headline numbers are COMBINED_SEQ's, recomputed from the sequences' sums even for
  // one sequence (which differs from the sequence's own only where a side is empty).
  const SequenceScores combined{several ? "COMBINED" : sequences.front().name, hota_combine(hota), clear_combine(clear),
                                identity_combine(identity), {}, {}};
  Metrics m;
  m.text = text_table(sequences, combined, preprocessing);
  JsonWriter w(1);
  w.begin_object().field("preprocessing", preprocessing).field("sequence_count", static_cast<std::int64_t>(sequences.size()));
  write_scalars(w, combined);
  w.key("alpha_curves").begin_object().field("alpha", std::span<const double>(hota_alphas()));
  w.key("sequences").begin_array();
  write_curves(w, combined);
  if (several)
    for (const SequenceScores& s : sequences) write_curves(w, s);
  w.end_array().end_object();
  write_timeline(w, sequences, several);
  write_fragmented(w, sequences);
  w.key("sequences").begin_array();
  for (const SequenceScores& s : sequences) {
    w.begin_object().field("name", s.name);
    write_scalars(w, s);
    w.end_object();
  }
  w.end_array().end_object();
  m.json_fields.emplace_back("tracking", w.take());
  Section section = describe(preprocessing, several);
  const auto number = [&](std::string_view key) -> double {
    const std::string_view k = key.substr(std::string_view("tracking.").size());
    for (const std::string_view f : HotaResult::kArrayFields)
      if (f == k) return alpha_mean(combined.hota.array(f));
    if (k.starts_with("ID")) return k == "IDSW" ? combined.clear.IDSW : identity_field(combined.identity, k);
    return clear_field(combined.clear, k);
  };
  for (Value& v : section.values) v.value = number(v.key);
  m.sections.push_back(std::move(section));
  return m;
}

TrackingEvaluator::TrackingEvaluator(const Dataset& ground_truth, bool tracked)
    : gt_(ground_truth), tracked_(tracked), classes_(tracking_classes(ground_truth)) {
  for (const Annotation& a : gt_.annotations)
    if (a.track_id < 0)
      throw Error(gt_.source + ": annotation " + std::to_string(a.id) + " (image " + std::to_string(a.image_id) +
                  ") has no track id: the tracking metric needs ground-truth tracks (a mot or cvat-video dataset)");
}

void TrackingEvaluator::reset() { seen_.clear(); }

void TrackingEvaluator::process(const Image& image, std::span<const Detection> detections) {
  seen_.add(image, detections);
}

Metrics TrackingEvaluator::evaluate() { return score(seen_.detections, seen_.image_ids); }

Metrics TrackingEvaluator::evaluate_all(std::span<const Detection> detections) { return score(detections, {}); }

Metrics TrackingEvaluator::score(std::span<const Detection> detections, std::span<const std::int64_t> image_ids) const {
  std::vector<TrackerBox> boxes;
  boxes.reserve(detections.size());
  for (const Detection& d : detections) {
    if (d.track_id < 0 && tracked_) continue;  // not the tracker's output
    if (d.track_id < 0)
      throw Error("tracking: a detection on image " + std::to_string(d.image_id) +
                  " has no track id: the tracking metric scores a tracker's output (give the run a tracker: block, "
                  "or score a MOT results file with score --metric tracking)");
    if (classes_.mot && d.category_id != classes_.evaluated) continue;  // MOT Challenge scores pedestrians
    // MOT's 1-based pixels, as a tracks.txt written from these detections has them.
    boxes.push_back({d.image_id, d.track_id, {d.bbox.x + 1, d.bbox.y + 1, d.bbox.w, d.bbox.h}});
  }
  const RawSequence raw = raw_sequence(gt_, boxes, classes_, sequence_name(gt_.source), image_ids);
  const SequenceScores scores = score_sequence(raw, classes_.preprocessing());
  return tracking_metrics(std::span<const SequenceScores>(&scores, 1), classes_.describe());
}

}  // namespace ds::tracking
