#include <gtest/gtest.h>

#include "core/eval/image_match.hpp"

using namespace ds;

namespace {

Annotation gt(std::int64_t category, Box box, bool crowd = false) {
  Annotation a;
  a.category_id = category;
  a.bbox = box;
  a.area = box.w * box.h;
  a.iscrowd = crowd;
  return a;
}

Detection dt(std::int64_t category, Box box, double score) { return {1, category, box, score}; }

}  // namespace

TEST(ImageMatch, CountsTruePositivesFalsePositivesAndMissed) {
  const std::vector<Annotation> truth = {gt(1, {0, 0, 10, 10}), gt(2, {50, 50, 10, 10}), gt(1, {100, 0, 10, 10})};
  const std::vector<Detection> dets = {
      dt(1, {1, 1, 10, 10}, 0.9),    // IoU 81/119 = 0.68 with truth 0: TP
      dt(2, {200, 200, 5, 5}, 0.8),  // overlaps nothing: FP
      dt(1, {50, 50, 10, 10}, 0.7),  // on truth 1 but the wrong class: FP
  };
  const ImageMatch m = match_image(truth, dets);
  EXPECT_EQ(m.detections, (std::vector{DetectionOutcome::kTruePositive, DetectionOutcome::kFalsePositive,
                                       DetectionOutcome::kFalsePositive}));
  EXPECT_EQ(m.matched_truth, (std::vector<std::ptrdiff_t>{0, -1, -1}));
  EXPECT_EQ(m.truth, (std::vector{TruthOutcome::kMatched, TruthOutcome::kMissed, TruthOutcome::kMissed}));
  EXPECT_EQ(m.true_positives, 1u);
  EXPECT_EQ(m.false_positives, 2u);
  EXPECT_EQ(m.missed, 2u);
  EXPECT_TRUE(m.has_errors());
}

TEST(ImageMatch, IouThresholdIsInclusive) {
  // Detection covers exactly half of a 10x10 box: IoU = 50 / 100 = 0.5.
  const std::vector<Annotation> truth = {gt(1, {0, 0, 10, 10})};
  const std::vector<Detection> dets = {dt(1, {0, 0, 10, 5}, 0.5)};
  EXPECT_EQ(match_image(truth, dets).true_positives, 1u);
  EXPECT_EQ(match_image(truth, dets, {.iou_threshold = 0.51}).true_positives, 0u);
}

TEST(ImageMatch, HigherScoreWinsTheGroundTruthAndDuplicatesAreFalsePositives) {
  const std::vector<Annotation> truth = {gt(1, {0, 0, 10, 10})};
  // The lower-scored detection overlaps better, but greedy matching goes by score.
  const std::vector<Detection> dets = {dt(1, {0, 0, 10, 10}, 0.3), dt(1, {1, 0, 10, 10}, 0.9)};
  const ImageMatch m = match_image(truth, dets);
  EXPECT_EQ(m.detections[1], DetectionOutcome::kTruePositive);
  EXPECT_EQ(m.detections[0], DetectionOutcome::kFalsePositive);
  EXPECT_EQ(m.matched_truth[1], 0);
  EXPECT_EQ(m.false_positives, 1u);
  EXPECT_EQ(m.missed, 0u);
}

TEST(ImageMatch, EachDetectionTakesTheBestFreeGroundTruth) {
  const std::vector<Annotation> truth = {gt(1, {0, 0, 10, 10}), gt(1, {2, 0, 10, 10})};
  // The first detection sits exactly on truth 1; the second then takes truth 0.
  const std::vector<Detection> dets = {dt(1, {2, 0, 10, 10}, 0.9), dt(1, {1, 0, 10, 10}, 0.8)};
  const ImageMatch m = match_image(truth, dets);
  EXPECT_EQ(m.matched_truth, (std::vector<std::ptrdiff_t>{1, 0}));
  EXPECT_EQ(m.true_positives, 2u);
  EXPECT_FALSE(m.has_errors());
}

TEST(ImageMatch, ScoreThresholdLeavesDetectionsOut) {
  const std::vector<Annotation> truth = {gt(1, {0, 0, 10, 10})};
  const std::vector<Detection> dets = {dt(1, {0, 0, 10, 10}, 0.4), dt(1, {40, 40, 10, 10}, 0.6)};
  const ImageMatch low = match_image(truth, dets, {.score_threshold = 0.3});
  EXPECT_EQ(low.true_positives, 1u);
  EXPECT_EQ(low.false_positives, 1u);
  EXPECT_EQ(low.missed, 0u);
  const ImageMatch high = match_image(truth, dets, {.score_threshold = 0.5});
  EXPECT_EQ(high.detections[0], DetectionOutcome::kBelowThreshold);
  EXPECT_EQ(high.matched_truth[0], -1);
  EXPECT_EQ(high.true_positives, 0u);
  EXPECT_EQ(high.false_positives, 1u);
  EXPECT_EQ(high.missed, 1u);
}

TEST(ImageMatch, CrowdRegionsAreNeverMissedAndAbsorbDetections) {
  const std::vector<Annotation> truth = {gt(1, {0, 0, 100, 100}, true), gt(1, {200, 0, 10, 10})};
  // Small detections inside the crowd region: IoU for a crowd is intersection / detection area.
  const std::vector<Detection> dets = {dt(1, {10, 10, 5, 5}, 0.9), dt(1, {50, 50, 5, 5}, 0.8),
                                       dt(2, {10, 10, 5, 5}, 0.7)};
  const ImageMatch m = match_image(truth, dets);
  EXPECT_EQ(m.detections, (std::vector{DetectionOutcome::kCrowd, DetectionOutcome::kCrowd,
                                       DetectionOutcome::kFalsePositive}));
  EXPECT_EQ(m.truth, (std::vector{TruthOutcome::kCrowd, TruthOutcome::kMissed}));
  EXPECT_EQ(m.true_positives, 0u);
  EXPECT_EQ(m.false_positives, 1u);
  EXPECT_EQ(m.missed, 1u);
}

TEST(ImageMatch, RegularGroundTruthIsPreferredOverACrowdRegion) {
  const std::vector<Annotation> truth = {gt(1, {0, 0, 100, 100}, true), gt(1, {10, 10, 20, 20})};
  const std::vector<Detection> dets = {dt(1, {10, 10, 20, 20}, 0.9)};
  const ImageMatch m = match_image(truth, dets);
  EXPECT_EQ(m.detections[0], DetectionOutcome::kTruePositive);
  EXPECT_EQ(m.matched_truth[0], 1);
}

TEST(ImageMatch, EmptyInputs) {
  const ImageMatch none = match_image({}, {});
  EXPECT_FALSE(none.has_errors());
  const std::vector<Annotation> truth = {gt(3, {0, 0, 4, 4})};
  EXPECT_EQ(match_image(truth, {}).missed, 1u);
  const std::vector<Detection> dets = {dt(3, {0, 0, 4, 4}, 1.0)};
  EXPECT_EQ(match_image({}, dets).false_positives, 1u);
}
