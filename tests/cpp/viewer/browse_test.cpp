// The desktop viewer's logic without Qt: what is shown under the filters, per-image rows, the
// list's filter, the metrics of the shown subset, and box picking.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "viewer/browse.hpp"

using namespace ds;
using namespace ds::viewer;

namespace {

// Image 0 of the viewer tests' scene: a hit (IoU 0.80), a false alarm, a weak false alarm, a
// miss of another class, and a crowd region absorbing a detection.
struct Scene {
  std::vector<Annotation> truth = {
      {11, 1, 1, {20, 20, 80, 60}, 4800, false, false, false},
      {12, 1, 2, {200, 120, 60, 80}, 4800, false, true, false},
      {13, 1, 1, {180, 10, 100, 100}, 10000, true, false, false},
  };
  std::vector<Detection> detections = {
      {1, 1, {24, 24, 80, 60}, 0.9},    // TP
      {1, 1, {100, 150, 50, 40}, 0.8},  // FP
      {1, 2, {10, 200, 20, 20}, 0.3},   // FP, under 0.5
      {1, 1, {200, 20, 30, 30}, 0.7},   // inside the crowd region
  };
};

std::string name(std::int64_t id) { return id == 1 ? "circle" : "square"; }

}  // namespace

TEST(ShownBoxes, MatchesAtTheScoreAndIouThresholds) {
  const Scene s;
  const Shown shown = shown_boxes(s.truth, s.detections, {});
  EXPECT_EQ(shown.match.true_positives, 1u);
  EXPECT_EQ(shown.match.false_positives, 1u);
  EXPECT_EQ(shown.match.missed, 1u);
  EXPECT_EQ(shown.match.detections[3], DetectionOutcome::kCrowd);

  const Shown low = shown_boxes(s.truth, s.detections, {.score_threshold = 0.25});
  EXPECT_EQ(low.match.false_positives, 2u);

  // IoU 0.80 is not enough at 0.85: the hit becomes a false alarm and its truth a miss.
  const Shown strict = shown_boxes(s.truth, s.detections, {.iou_threshold = 0.85});
  EXPECT_EQ(strict.match.true_positives, 0u);
  EXPECT_EQ(strict.match.false_positives, 2u);
  EXPECT_EQ(strict.match.missed, 2u);
}

TEST(ShownBoxes, ClassFilterKeepsOnlyThoseClassesAndPointsBack) {
  const Scene s;
  const Shown squares = shown_boxes(s.truth, s.detections, {.score_threshold = 0.25, .classes = std::set<std::int64_t>{2}});
  ASSERT_EQ(squares.truth.size(), 1u);
  EXPECT_EQ(squares.truth_index, std::vector<std::size_t>{1});
  EXPECT_EQ(squares.detection_index, std::vector<std::size_t>{2});
  EXPECT_EQ(squares.match.true_positives, 0u);
  EXPECT_EQ(squares.match.false_positives, 1u);
  EXPECT_EQ(squares.match.missed, 1u);

  const Shown none = shown_boxes(s.truth, s.detections, {.classes = std::set<std::int64_t>{}});
  EXPECT_TRUE(none.truth.empty());
  EXPECT_TRUE(none.detections.empty());
}

TEST(ShownBoxes, HidingCrowdDropsRegionsAndWhatTheyAbsorbKeepingMatches) {
  const Scene s;
  const Shown shown = shown_boxes(s.truth, s.detections, {.show_crowd = false});
  EXPECT_EQ(shown.truth.size(), 2u);
  EXPECT_EQ(shown.detections.size(), 3u);
  ASSERT_EQ(shown.match.matched_truth.size(), 3u);
  EXPECT_EQ(shown.match.matched_truth[0], 0);  // still the circle, renumbered into what is kept
  EXPECT_EQ(shown.match.truth.size(), 2u);
  // The detection inside the region is not shown, and not turned into a false positive.
  EXPECT_EQ(shown.match.false_positives, 1u);
  EXPECT_EQ(shown.detection_index, (std::vector<std::size_t>{0, 1, 2}));
}

TEST(ImageRows, CountsF1AndClasses) {
  const Scene s;
  const ImageRow row = image_row(4, "a.png", shown_boxes(s.truth, s.detections, {}), true);
  EXPECT_EQ(row.index, 4u);
  EXPECT_EQ((std::array{row.tp, row.fp, row.fn}), (std::array<std::size_t, 3>{1, 1, 1}));
  ASSERT_TRUE(row.f1);
  EXPECT_DOUBLE_EQ(*row.f1, 0.5);  // 2 / (2 + 1 + 1)
  EXPECT_EQ(row.classes, (std::set<std::int64_t>{1, 2}));
  EXPECT_FALSE(f1_score(0, 0, 0));
  EXPECT_DOUBLE_EQ(*f1_score(3, 0, 0), 1.0);

  const ImageRow unknown = image_row(0, "b.png", shown_boxes(s.truth, {}, {}), false);
  EXPECT_FALSE(unknown.known);
  EXPECT_EQ(unknown.fn, 0u);  // not counted as missed before the model ran
}

TEST(ListFilter, ByOutcomeAndText) {
  ImageRow clean{.index = 0, .file_name = "Clean.png", .known = true, .tp = 2};
  ImageRow fp{.index = 1, .file_name = "b.png", .known = true, .tp = 1, .fp = 1};
  ImageRow fn{.index = 2, .file_name = "c.png", .known = true, .fn = 3};
  ImageRow pending{.index = 3, .file_name = "d.png", .known = false};
  const auto count = [&](const ListFilter& f) {
    int n = 0;
    for (const ImageRow* r : {&clean, &fp, &fn, &pending}) n += passes(*r, f, {});
    return n;
  };
  EXPECT_EQ(count({OutcomeFilter::kAll}), 4);
  EXPECT_EQ(count({OutcomeFilter::kErrors}), 2);
  EXPECT_EQ(count({OutcomeFilter::kFalsePositives}), 1);
  EXPECT_EQ(count({OutcomeFilter::kMissed}), 1);
  EXPECT_EQ(count({OutcomeFilter::kNoErrors}), 1);
  EXPECT_TRUE(passes(clean, {OutcomeFilter::kAll, "clean"}, {}));  // case-insensitive
  EXPECT_FALSE(passes(fp, {OutcomeFilter::kAll, "clean"}, {}));
  EXPECT_TRUE(passes(fp, {OutcomeFilter::kAll, "squ"}, {"circle", "square"}));
}

TEST(ListFilter, LikelyLabelErrors) {
  // One image: a cat annotated, a confident dog detection on it (a wrong label: the cat's own
  // class found nothing there), a confident dog where nothing is annotated (a missing
  // annotation), and a matched cat elsewhere.
  std::vector<Annotation> truth(2);
  truth[0] = {.id = 1, .image_id = 7, .category_id = 1, .bbox = {10, 10, 50, 50}, .area = 2500};
  truth[1] = {.id = 2, .image_id = 7, .category_id = 1, .bbox = {200, 200, 40, 40}, .area = 1600};
  std::vector<Detection> dts(3);
  dts[0] = {.image_id = 7, .category_id = 2, .bbox = {12, 12, 50, 48}, .score = 0.9};
  dts[1] = {.image_id = 7, .category_id = 2, .bbox = {400, 400, 30, 30}, .score = 0.8};
  dts[2] = {.image_id = 7, .category_id = 1, .bbox = {201, 201, 40, 40}, .score = 0.95};
  ShowOptions options;
  EXPECT_EQ(label_error_count(truth, dts, options), 2u);
  options.score_threshold = 0.85;  // the panel's threshold: the missing annotation's 0.8 is below
  EXPECT_EQ(label_error_count(truth, dts, options), 1u);
  EXPECT_EQ(label_error_count(truth, std::span<const Detection>(dts).subspan(2), options), 0u);
  EXPECT_EQ(label_error_count(truth, {}, options), 0u);

  ImageRow flagged{.index = 0, .file_name = "a.png", .known = true, .tp = 1, .fp = 2, .label_errors = 2};
  ImageRow plain{.index = 1, .file_name = "b.png", .known = true, .fp = 1};
  ImageRow pending{.index = 2, .file_name = "c.png", .known = false};
  EXPECT_TRUE(passes(flagged, {OutcomeFilter::kLabelErrors}, {}));
  EXPECT_FALSE(passes(plain, {OutcomeFilter::kLabelErrors}, {}));
  EXPECT_FALSE(passes(pending, {OutcomeFilter::kLabelErrors}, {}));
  EXPECT_FALSE(passes(flagged, {OutcomeFilter::kLabelErrors, "b.png"}, {}));
}

TEST(SubsetMetrics, SumsKnownRowsOnly) {
  ImageRow a{.known = true, .tp = 3, .fp = 1, .fn = 0};
  ImageRow b{.known = true, .tp = 1, .fp = 0, .fn = 2};
  ImageRow c{.known = false};
  const std::vector<const ImageRow*> rows{&a, &b, &c};
  const SubsetMetrics m = subset_metrics(rows);
  EXPECT_EQ(m.images, 3u);
  EXPECT_EQ(m.pending, 1u);
  EXPECT_EQ((std::array{m.tp, m.fp, m.fn}), (std::array<std::size_t, 3>{4, 1, 2}));
  EXPECT_DOUBLE_EQ(*m.precision, 0.8);
  EXPECT_DOUBLE_EQ(*m.recall, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(*m.f1, 8.0 / 11.0);
  EXPECT_FALSE(subset_metrics({}).precision);
}

TEST(Picking, SmallestBoxUnderThePointAndItsDescription) {
  const Scene s;
  const Shown shown = shown_boxes(s.truth, s.detections, {});
  // Inside the circle's truth and its detection, both 80 x 60: detections win ties.
  auto p = pick_box(shown, 50, 50, true, true);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->detection);
  EXPECT_EQ(p->index, 0u);
  const std::string text = describe_box(shown, *p, name);
  EXPECT_NE(text.find("detection: circle"), std::string::npos) << text;
  EXPECT_NE(text.find("score 0.900"), std::string::npos) << text;
  EXPECT_NE(text.find("true positive"), std::string::npos) << text;
  EXPECT_NE(text.find("IoU 0.796 with ground truth id 11"), std::string::npos) << text;
  EXPECT_NE(text.find("(medium)"), std::string::npos) << text;

  // With detections hidden the truth under the point is picked.
  p = pick_box(shown, 22, 22, true, false);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->detection);
  // The missed square: flags and range.
  p = pick_box(shown, 230, 190, true, true);
  ASSERT_TRUE(p);
  const std::string square = describe_box(shown, *p, name);
  EXPECT_NE(square.find("ground truth: square"), std::string::npos) << square;
  EXPECT_NE(square.find("missed"), std::string::npos) << square;
  EXPECT_NE(square.find("difficult yes"), std::string::npos) << square;
  // A detection inside the crowd region is smaller than the region: it is picked.
  p = pick_box(shown, 210, 30, true, true);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->detection);
  EXPECT_NE(describe_box(shown, *p, name).find("crowd region"), std::string::npos);
  // The weak false alarm is not shown at 0.5: nothing there.
  EXPECT_FALSE(pick_box(shown, 15, 205, true, true));
  EXPECT_EQ(area_range(31 * 31), "small");
  EXPECT_EQ(area_range(96 * 96), "large");
  EXPECT_DOUBLE_EQ(box_iou({0, 0, 10, 10}, {5, 0, 10, 10}), 50.0 / 150.0);
}

TEST(Picking, KeypointRunsMatchByOksAndTheBoxPanelSaysOks) {
  // One person with two labelled keypoints and a detection whose first point is 5 pixels off:
  // OKS = (exp(-25 / (vars * area * 2)) + exp(0)) / 2 with vars 1 and area 100, pycocotools'
  // computeOks by hand.
  std::vector<Annotation> truth = {{21, 1, 1, {0, 0, 30, 30}, 100, false, false, false}};
  truth[0].keypoints = {10, 10, 2, 20, 20, 2};
  truth[0].num_keypoints = 2;
  // A box far from the truth's: by box IoU it would be a false positive.
  std::vector<Detection> detections = {{1, 1, {40, 40, 10, 10}, 0.9}};
  detections[0].keypoints = {13, 14, 1, 20, 20, 1};
  const std::unordered_map<std::int64_t, std::vector<double>> vars = {{1, {1.0, 1.0}}};
  const Shown by_box = shown_boxes(truth, detections, {});
  EXPECT_EQ(by_box.match.true_positives, 0u);
  const Shown shown = shown_boxes(truth, detections, {.oks_vars = &vars});
  EXPECT_EQ(shown.match.true_positives, 1u);
  const double oks = (std::exp(-25.0 / (1.0 * 100.0 * 2.0)) + 1.0) / 2.0;
  char expected[64];
  std::snprintf(expected, sizeof expected, "OKS %.3f with ground truth id 21", oks);
  const auto p = pick_box(shown, 45, 45, true, true);
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->detection);
  const std::string text = describe_box(shown, *p, name);
  EXPECT_NE(text.find(expected), std::string::npos) << text;
  EXPECT_EQ(text.find("IoU"), std::string::npos) << text;
  const auto t = pick_box(shown, 5, 5, true, true);
  ASSERT_TRUE(t);
  const std::string truth_text = describe_box(shown, *t, name);
  EXPECT_NE(truth_text.find(", OKS " + std::string(expected).substr(4, 5)), std::string::npos) << truth_text;
}
