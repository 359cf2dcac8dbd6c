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
