// The tracking metrics on sequences small enough to work out by hand, the assignment's tie rule,
// and the Evaluator's refusals. Parity with TrackEval on random sequences: tests/test_tracking_metrics.py.
#include <gtest/gtest.h>

#include "core/eval/tracking/linear_assignment.hpp"
#include "core/eval/tracking/mot_preprocess.hpp"
#include "core/eval/tracking/tracking_evaluator.hpp"
#include "core/util/error.hpp"

using namespace ds;
using namespace ds::tracking;

namespace {

// A sequence of `frames` frames; add() puts a gt or tracker box in frame t.
struct Builder {
  RawSequence seq;
  explicit Builder(std::size_t frames) {
    seq.name = "toy";
    seq.frames.resize(frames);
  }
  Builder& gt(std::size_t t, std::int64_t id, TrackBox b, GtRole role = GtRole::kEvaluated, bool zero = false) {
    RawFrame& f = seq.frames[t];
    f.gt_ids.push_back(id);
    f.gt_boxes.push_back(b);
    f.gt_roles.push_back(role);
    f.gt_zero_marked.push_back(zero);
    return *this;
  }
  Builder& tr(std::size_t t, std::int64_t id, TrackBox b) {
    seq.frames[t].tracker_ids.push_back(id);
    seq.frames[t].tracker_boxes.push_back(b);
    return *this;
  }
};

constexpr TrackBox kA{0, 0, 10, 10}, kB{100, 0, 10, 10};

}  // namespace

TEST(LinearAssignment, ConstantMatrixGivesTheIdentityAsScipy) {
  const std::vector<double> cost(9, 1.0);
  const Assignment a = linear_sum_assignment(cost, 3, 3);
  EXPECT_EQ(a.rows, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(a.cols, (std::vector<std::size_t>{0, 1, 2}));
}

TEST(LinearAssignment, TallMatrixIsSolvedTransposedAndSortedByRow) {
  // 3 rows, 2 columns: rows 2 and 0 take the cheap cells.
  const std::vector<double> cost = {1, 0, 5, 5, 0, 1};
  const Assignment a = linear_sum_assignment(cost, 3, 2);
  EXPECT_EQ(a.rows, (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(a.cols, (std::vector<std::size_t>{1, 0}));
}

TEST(Tracking, PerfectTrackerScoresOne) {
  Builder b(4);
  for (std::size_t t = 0; t < 4; ++t) b.gt(t, 1, kA).gt(t, 2, kB).tr(t, 7, kA).tr(t, 9, kB);
  const SequenceScores s = score_sequence(b.seq, {true});
  EXPECT_DOUBLE_EQ(alpha_mean(s.hota.HOTA), 1.0);
  EXPECT_DOUBLE_EQ(s.clear.MOTA, 1.0);
  EXPECT_DOUBLE_EQ(s.identity.IDF1, 1.0);
  EXPECT_EQ(s.clear.MT, 2);
}

TEST(Tracking, AnIdSwitchAndAFragment) {
  // Object 1 over 4 frames: tracked as 7, lost in frame 2 (where the tracker has a false positive
  // elsewhere), then tracked as 8.
  Builder b(4);
  for (std::size_t t = 0; t < 4; ++t) b.gt(t, 1, kA);
  b.tr(0, 7, kA).tr(1, 7, kA).tr(2, 99, kB).tr(3, 8, kA);
  const SequenceScores s = score_sequence(b.seq, {true});
  EXPECT_EQ(s.clear.IDSW, 1);
  EXPECT_EQ(s.clear.Frag, 1);
  EXPECT_EQ(s.clear.CLR_TP, 3);
  EXPECT_EQ(s.clear.CLR_FN, 1);
  EXPECT_EQ(s.clear.CLR_FP, 1);
  EXPECT_DOUBLE_EQ(s.clear.MOTA, (3.0 - 1 - 1) / 4);
  // Identity: 7 is the best match (2 frames): IDTP 2, IDFN 2, IDFP 2.
  EXPECT_EQ(s.identity.IDTP, 2);
  EXPECT_EQ(s.identity.IDFN, 2);
  EXPECT_EQ(s.identity.IDFP, 2);
  // HOTA at every alpha: TP 3, FN 1, FP 1; AssA = (2*2/4 + 1*1/4) / 3 = 5/12.
  EXPECT_DOUBLE_EQ(s.hota.AssA[0], 5.0 / 12.0);
  EXPECT_DOUBLE_EQ(s.hota.DetA[0], 3.0 / 5.0);
}

TEST(Tracking, AFrameWithoutTrackerBoxesDoesNotBreakATrackAsTrackEval) {
  // The same without the false positive: TrackEval skips a frame with an empty side before it
  // updates "matched in the previous frame", so the gap is no fragment.
  Builder b(4);
  for (std::size_t t = 0; t < 4; ++t) b.gt(t, 1, kA);
  b.tr(0, 7, kA).tr(1, 7, kA).tr(3, 8, kA);
  const SequenceScores s = score_sequence(b.seq, {true});
  EXPECT_EQ(s.clear.Frag, 0);
  EXPECT_EQ(s.clear.IDSW, 1);
}

TEST(Tracking, DistractorMatchesAndZeroMarkedLinesAreRemoved) {
  Builder b(1);
  b.gt(0, 1, kA).gt(0, 2, kB, GtRole::kDistractor).gt(0, 3, {200, 0, 10, 10}, GtRole::kEvaluated, true);
  b.tr(0, 5, kA).tr(0, 6, kB).tr(0, 7, {200, 0, 10, 10});
  const SequenceData d = preprocess(b.seq, {true});
  EXPECT_EQ(d.num_gt_dets, 1u);       // the distractor and the zero-marked object are gone
  EXPECT_EQ(d.num_tracker_dets, 2u);  // the box on the distractor is gone, the one on the zero-marked stays
  const SequenceData all = preprocess(b.seq, {false});
  EXPECT_EQ(all.num_gt_dets, 2u);
  EXPECT_EQ(all.num_tracker_dets, 3u);
}

TEST(Tracking, EmptyTrackerReturnsBeforeTheFinalFieldsAsTrackEval) {
  Builder b(2);
  b.gt(0, 1, kA).gt(1, 1, kA);
  const SequenceScores s = score_sequence(b.seq, {true});
  EXPECT_EQ(s.clear.CLR_FN, 2);
  EXPECT_EQ(s.clear.MOTA, 0);  // not computed, as TrackEval
  EXPECT_EQ(s.clear.MLR, 1);
  EXPECT_EQ(s.hota.LocA0, 1);
  const ClearResult combined = clear_combine(std::span<const ClearResult>(&s.clear, 1));
  EXPECT_EQ(combined.MOTA, 0);  // recomputed: (0 - 0 - 0) / 2
  EXPECT_EQ(combined.ML, 1);
}

TEST(Tracking, AnIdTwiceInAFrameIsAnError) {
  Builder b(1);
  b.gt(0, 1, kA).tr(0, 4, kA).tr(0, 4, kB);
  EXPECT_THROW(preprocess(b.seq, {true}), Error);
}

TEST(Tracking, EvaluatorRefusesUntrackedDetectionsAndGroundTruth) {
  Dataset gt;
  gt.categories = {{1, "pedestrian", ""}};
  Image im;
  im.id = 1;
  im.width = im.height = 100;
  gt.images = {im};
  Annotation a;
  a.id = 1;
  a.image_id = 1;
  a.category_id = 1;
  a.bbox = {0, 0, 10, 10};
  a.track_id = 3;
  gt.annotations = {a};
  TrackingEvaluator ev(gt);
  Detection d;
  d.image_id = 1;
  d.category_id = 1;
  d.bbox = {0, 0, 10, 10};
  d.score = 1;
  EXPECT_THROW(ev.evaluate_all(std::span<const Detection>(&d, 1)), Error);  // no track id
  d.track_id = 5;
  const Metrics m = ev.evaluate_all(std::span<const Detection>(&d, 1));
  EXPECT_DOUBLE_EQ(m.sections.front().values.front().value, 1.0);  // HOTA
  gt.annotations[0].track_id = -1;
  EXPECT_THROW(TrackingEvaluator{gt}, Error);
}

TEST(Tracking, ManyIdsUseTheSparseTablesWithTheSameNumbers) {
  // 5,000 objects and 5,000 tracks, one frame each: 25 million id pairs, past the dense limit.
  constexpr std::size_t kN = 5000;
  Builder b(kN);
  for (std::size_t t = 0; t < kN; ++t) {
    const auto id = static_cast<std::int64_t>(t);
    b.gt(t, id, kA).tr(t, 100000 + id, t % 2 ? kA : kB);  // every second one misses
  }
  const SequenceScores s = score_sequence(b.seq, {true});
  EXPECT_EQ(s.clear.CLR_TP, kN / 2);
  EXPECT_EQ(s.identity.IDTP, kN / 2);
  EXPECT_DOUBLE_EQ(s.hota.AssA[0], 1.0);
  EXPECT_DOUBLE_EQ(s.hota.DetA[0], 0.5 * kN / (1.5 * kN));
}

TEST(Tracking, EvaluatorScoresOnlyTheFramesItWasGiven) {
  // Three frames of one object; the tracker follows it in frames 1 and 2 only. Fed frames 1 and
  // 2 (a run with --limit 2), the evaluator scores those two: perfect.
  Dataset gt;
  gt.categories = {{1, "pedestrian", ""}};
  for (std::int64_t f = 1; f <= 3; ++f) {
    Image im;
    im.id = f;
    im.width = im.height = 100;
    gt.images.push_back(im);
    Annotation a;
    a.id = f;
    a.image_id = f;
    a.category_id = 1;
    a.bbox = {0, 0, 10, 10};
    a.track_id = 1;
    gt.annotations.push_back(a);
  }
  TrackingEvaluator ev(gt);
  ev.reset();
  for (std::int64_t f = 1; f <= 2; ++f) {
    Detection d;
    d.image_id = f;
    d.category_id = 1;
    d.bbox = {0, 0, 10, 10};
    d.track_id = 4;
    ev.process(gt.images[static_cast<std::size_t>(f - 1)], std::span<const Detection>(&d, 1));
  }
  const Metrics part = ev.evaluate();
  EXPECT_DOUBLE_EQ(part.sections.front().values.front().value, 1.0);
  ev.process(gt.images[2], {});
  const Metrics all = ev.evaluate();
  EXPECT_LT(all.sections.front().values.front().value, 1.0);  // frame 3 is a miss
}
