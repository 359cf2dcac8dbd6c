#pragma once
// The "tracking" metric behind the Evaluator interface: HOTA, CLEAR and Identity of a tracker's
// boxes (Detection::track_id) over the frames of a video dataset, equal to TrackEval 1.3, and
// their report (metrics.json "tracking" with TrackEval's names, the per-alpha curves, a row per
// sequence). `score --metric tracking` scores MOT results files through score_sequences.
//
// Detections come with track ids only from a tracker: a run config's `tracker:` (the pipeline's
// transform stage sets Detection::track_id) or a saved MOT results file. Untracked detections
// (track_id -1) are refused with a line saying so.
#include <span>
#include <string>
#include <vector>

#include "core/eval/evaluator.hpp"
#include "core/eval/tracking/clear.hpp"
#include "core/eval/tracking/hota.hpp"
#include "core/eval/tracking/identity.hpp"
#include "core/eval/tracking/sequence_input.hpp"

namespace ds::tracking {

struct SequenceScores {
  std::string name;
  HotaResult hota;
  ClearResult clear;
  IdentityResult identity;
  ClearDetails details;                 // where tracks break (the report's timeline and table)
  std::vector<std::int64_t> gt_ids;     // the ground truth's ids as in its file, by relabelled id
};

// Preprocesses and scores one sequence.
SequenceScores score_sequence(const RawSequence& raw, const Preprocessing& preprocessing);

// metrics.json "tracking", the console table and the description, for one or more sequences
// (several: a row each and TrackEval's COMBINED_SEQ as the headline numbers).
Metrics tracking_metrics(std::span<const SequenceScores> sequences, const std::string& preprocessing);

class TrackingEvaluator final : public Evaluator {
 public:
  // Throws ds::Error when `ground_truth` has objects without a track id. `tracked`: the run has
  // a tracker, whose output is the detections with a track id (the others are left out).
  explicit TrackingEvaluator(const Dataset& ground_truth, bool tracked = false);
  void reset() override;
  void process(const Image& image, std::span<const Detection> detections) override;
  Metrics evaluate() override;
  Metrics evaluate_all(std::span<const Detection> detections) override;

 private:
  Metrics score(std::span<const Detection> detections, std::span<const std::int64_t> image_ids) const;
  const Dataset& gt_;
  bool tracked_;
  TrackingClasses classes_;
  ProcessedImages seen_;
};

}  // namespace ds::tracking
