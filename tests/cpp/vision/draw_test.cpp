#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <unistd.h>

#include <filesystem>

#include "core/util/error.hpp"
#include "vision/draw.hpp"

using namespace ds;

namespace {

// Pixels of exactly `color` in the picture part of a canvas (the footer's legend has them all).
int count_color(const cv::Mat& canvas, int image_rows, const cv::Scalar& color) {
  cv::Mat mask;
  cv::inRange(canvas(cv::Rect(0, 0, canvas.cols, image_rows)), color, color, mask);
  return cv::countNonZero(mask);
}

struct Scene {
  cv::Mat image = cv::Mat(240, 320, CV_8UC3, cv::Scalar(30, 30, 30));
  std::vector<Annotation> truth = {{1, 1, 1, {20, 20, 80, 60}, 4800, false, false, false},
                                   {2, 1, 2, {200, 120, 60, 80}, 4800, false, false, false}};
  std::vector<Detection> detections = {{1, 1, {24, 24, 80, 60}, 0.9}, {1, 1, {150, 30, 50, 40}, 0.3}};
  ImageMatch match = match_image(truth, detections, {.iou_threshold = 0.5, .score_threshold = 0.5});

  vision::FrameContent content() const {
    vision::FrameContent c;
    c.truth = truth;
    c.detections = detections;
    c.match = &match;
    c.status = {0, 1, "a.png", "model", 12.5, 0.5, 0.5, ""};
    return c;
  }
};

}  // namespace

TEST(DisplayScale, EnlargesSmallImagesByWholeFactorsAndShrinksBigOnes) {
  EXPECT_EQ(vision::display_scale(320, 240), 2.0);
  EXPECT_EQ(vision::display_scale(640, 480), 1.0);
  EXPECT_EQ(vision::display_scale(100, 100), 7.0);
  EXPECT_EQ(vision::display_scale(300, 800), 1.0);  // twice as tall would not fit a screen
  EXPECT_DOUBLE_EQ(vision::display_scale(4000, 3000), 0.3);
}

TEST(DrawFrame, ColoursOutcomesAndLeavesOutWhatIsHiddenOrBelowTheThreshold) {
  const Scene s;
  const cv::Mat canvas = vision::draw_frame(s.image, s.content());
  ASSERT_EQ(canvas.cols, 640);
  ASSERT_GT(canvas.rows, 480);  // the image, then the footer
  EXPECT_GT(count_color(canvas, 480, vision::colors::kTruePositive), 0);
  EXPECT_GT(count_color(canvas, 480, vision::colors::kTruth), 0);
  EXPECT_GT(count_color(canvas, 480, vision::colors::kMissed), 0);
  // The 0.3 detection is under the 0.5 threshold: no false positive anywhere in the picture.
  EXPECT_EQ(count_color(canvas, 480, vision::colors::kFalsePositive), 0);
  // The TP box's top edge (image y=24 -> canvas 48) is solid across its whole width.
  for (int x = 48; x <= 208; ++x)
    EXPECT_EQ(canvas.at<cv::Vec3b>(48, x), cv::Vec3b(115, 158, 0)) << "x=" << x;

  vision::FrameContent hidden = s.content();
  hidden.show_truth = false;
  const cv::Mat no_truth = vision::draw_frame(s.image, hidden);
  EXPECT_EQ(count_color(no_truth, 480, vision::colors::kTruth), 0);
  EXPECT_EQ(count_color(no_truth, 480, vision::colors::kMissed), 0);
  EXPECT_GT(count_color(no_truth, 480, vision::colors::kTruePositive), 0);
  hidden.show_detections = false;
  EXPECT_EQ(count_color(vision::draw_frame(s.image, hidden), 480, vision::colors::kTruePositive), 0);
}

TEST(DrawPicture, IsDrawFramesPictureAtAScaleWithTheOverlayInItsOwnColour) {
  const Scene s;
  // Without the footer, at the scale asked for: the same pixels as draw_frame's picture.
  const cv::Mat frame = vision::draw_frame(s.image, s.content());
  const cv::Mat picture = vision::draw_picture(s.image, s.content(), 2.0);
  ASSERT_EQ(picture.size(), cv::Size(640, 480));
  EXPECT_EQ(cv::norm(frame(cv::Rect(0, 0, 640, 480)), picture, cv::NORM_INF), 0);
  EXPECT_EQ(count_color(picture, 480, vision::colors::kOverlay), 0);

  // A second model's detections over it: thin boxes in the overlay colour, above its threshold.
  vision::FrameContent c = s.content();
  const std::vector<Detection> other = {{1, 1, {150, 150, 40, 40}, 0.8}, {1, 1, {10, 150, 40, 40}, 0.1}};
  const ImageMatch other_match = match_image(s.truth, other, {.iou_threshold = 0.5, .score_threshold = 0.5});
  c.overlay = other;
  c.overlay_match = &other_match;
  const cv::Mat overlaid = vision::draw_picture(s.image, c, 2.0);
  EXPECT_EQ(overlaid.at<cv::Vec3b>(300, 350), cv::Vec3b(167, 121, 204));  // its top edge: y 150 -> 300
  EXPECT_NE(overlaid.at<cv::Vec3b>(300, 20), cv::Vec3b(167, 121, 204));   // 0.1: not drawn
  c.show_detections = false;
  EXPECT_EQ(count_color(vision::draw_picture(s.image, c, 2.0), 480, vision::colors::kOverlay), 0);
}

TEST(DrawFrame, DrawsAnUnmatchedFrameWithoutAMatch) {
  // No match given: everything is drawn as plain truth and (false positive) detections.
  Scene s;
  vision::FrameContent c = s.content();
  c.match = nullptr;
  const cv::Mat canvas = vision::draw_frame(s.image, c);
  EXPECT_GT(count_color(canvas, 480, vision::colors::kFalsePositive), 0);
  EXPECT_EQ(count_color(canvas, 480, vision::colors::kMissed), 0);
}

TEST(DrawFrame, FootageWithoutTruthDrawsDetectionsInTheNeutralColour) {
  // detect: no ground truth, so a detection is neither right nor wrong.
  Scene s;
  vision::FrameContent c = s.content();
  c.match = nullptr;
  c.has_truth = false;
  c.show_truth = false;
  const cv::Mat canvas = vision::draw_frame(s.image, c);
  EXPECT_GT(count_color(canvas, 480, vision::colors::kDetection), 0);
  EXPECT_EQ(count_color(canvas, 480, vision::colors::kFalsePositive), 0);
  EXPECT_EQ(count_color(canvas, 480, vision::colors::kTruePositive), 0);
  EXPECT_EQ(count_color(canvas, 480, vision::colors::kTruth), 0);
}

TEST(WriteImage, WritesPngLosslesslyAndRejectsOtherTypes) {
  const auto dir = std::filesystem::temp_directory_path() / ("ds_draw_test_" + std::to_string(::getpid()));
  const Scene s;
  const cv::Mat canvas = vision::draw_frame(s.image, s.content());
  vision::write_image(dir / "sub" / "frame.png", canvas);
  const cv::Mat back = cv::imread((dir / "sub" / "frame.png").string(), cv::IMREAD_COLOR);
  ASSERT_EQ(back.size(), canvas.size());
  EXPECT_EQ(cv::norm(back, canvas, cv::NORM_INF), 0.0);
  EXPECT_THROW(vision::write_image(dir / "frame.bmp", canvas), Error);
  std::filesystem::remove_all(dir);
}

TEST(DrawFrame, DrawsSkeletonsVisibleFilledOccludedHollowUnlabelledLeftOut) {
  // One person at scale 2: truth keypoints 1 (visible), 2 (occluded), 3 (unlabelled), a
  // triangle skeleton; a detection's three points near them. Canvas point = 2 * image point.
  const cv::Mat image(240, 320, CV_8UC3, cv::Scalar(30, 30, 30));
  std::vector<Annotation> truth = {{1, 1, 1, {30, 30, 60, 70}, 4200, false, false, false}};
  truth[0].keypoints = {40, 40, 2, 80, 40, 1, 60, 80, 0};
  truth[0].num_keypoints = 2;
  std::vector<Detection> detections = {{1, 1, {32, 32, 60, 70}, 0.9}};
  detections[0].keypoints = {42, 46, 1, 82, 46, 1, 62, 86, 1};
  const std::vector<std::array<std::int64_t, 2>> skeleton = {{1, 2}, {2, 3}, {1, 3}};
  const ImageMatch match = match_image(truth, detections, {.iou_threshold = 0.5});
  ASSERT_EQ(match.true_positives, 1u);
  vision::FrameContent c;
  c.truth = truth;
  c.detections = detections;
  c.match = &match;
  c.skeleton = [&](std::int64_t) { return std::span<const std::array<std::int64_t, 2>>(skeleton); };
  const cv::Mat canvas = vision::draw_frame(image, c);
  const cv::Vec3b truth_color(233, 180, 86), tp_color(115, 158, 0);
  const auto at = [&](int x, int y) { return canvas.at<cv::Vec3b>(y, x); };
  // The truth's edge 1-2 (canvas y = 80, x 80..160), both ends labelled: drawn.
  EXPECT_EQ(at(120, 80), truth_color);
  // Point 1 (visible) is filled: a pixel inside its circle, off the edge.
  EXPECT_EQ(at(80, 78), truth_color);
  // Point 2 (occluded) is hollow: inside its circle, off the edge, the image shows.
  EXPECT_NE(at(160, 78), truth_color);
  EXPECT_EQ(at(160, 77), truth_color);  // its rim (radius 3)
  // Point 3 is unlabelled: neither it nor its edges are drawn.
  EXPECT_NE(at(120, 160), truth_color);
  EXPECT_NE(at(100, 120), truth_color);
  // The detection's edges join all its points (v is no visibility for a prediction), in the
  // true positive's colour, its points filled.
  EXPECT_EQ(at(124, 92), tp_color);   // edge 1-2 at canvas y = 92
  EXPECT_EQ(at(124, 172), tp_color);  // point 3, filled
  EXPECT_EQ(at(104, 132), tp_color);  // edge 1-3's middle

  // Without a skeleton the points alone; with detections hidden none of theirs.
  vision::FrameContent points_only = c;
  points_only.skeleton = nullptr;
  const cv::Mat no_edges = vision::draw_frame(image, points_only);
  EXPECT_NE(no_edges.at<cv::Vec3b>(80, 120), truth_color);
  EXPECT_EQ(no_edges.at<cv::Vec3b>(78, 80), truth_color);
  vision::FrameContent hidden = c;
  hidden.show_detections = false;
  EXPECT_NE(vision::draw_frame(image, hidden).at<cv::Vec3b>(172, 124), tp_color);
}
