#include <gtest/gtest.h>

#include <vector>

#include "vision/trails.hpp"

using namespace ds;

namespace {

Detection tracked(std::int64_t track, double x, double y) {
  Detection d;
  d.bbox = {x, y, 10, 20};
  d.track_id = track;
  return d;
}

}  // namespace

TEST(TrailHistory, KeepsEachTracksLastCentresOldestFirst) {
  vision::TrailHistory history(3);
  for (int f = 0; f < 5; ++f) {
    const std::vector<Detection> frame = {tracked(7, f * 10.0, 0), tracked(-1, 100, 100)};
    history.add(frame);
  }
  const std::vector<vision::Trail> trails = history.trails();
  ASSERT_EQ(trails.size(), 1u);  // the untracked box leaves none
  EXPECT_EQ(trails[0].track_id, 7);
  EXPECT_FALSE(trails[0].truth);
  ASSERT_EQ(trails[0].points.size(), 3u);  // the length's last centres
  EXPECT_EQ(trails[0].points.front(), cv::Point2d(25, 10));
  EXPECT_EQ(trails[0].points.back(), cv::Point2d(45, 10));
}

TEST(TrailHistory, ForgetsATrackUnseenForItsLengthAndStartsAgainWhenCleared) {
  vision::TrailHistory history(2, true);
  std::vector<Annotation> first(1);
  first[0].bbox = {0, 0, 4, 4};
  first[0].track_id = 3;
  history.add(first);
  const std::vector<Annotation> none;
  history.add(none);
  history.add(none);
  ASSERT_EQ(history.trails().size(), 1u);  // seen 2 frames ago: still remembered
  EXPECT_TRUE(history.trails()[0].truth);
  history.add(none);
  EXPECT_TRUE(history.trails().empty());  // 3 frames: forgotten
  history.add(first);
  history.clear();
  EXPECT_TRUE(history.trails().empty());
}

TEST(DrawFrame, DrawsTrailsInTheTracksColourAndTruthsAsDots) {
  const cv::Mat image(240, 320, CV_8UC3, cv::Scalar(30, 30, 30));
  vision::Trail line{4, {{20, 20}, {60, 20}}, false};
  vision::Trail dots{1, {{20, 200}, {60, 200}}, true};
  const std::vector<vision::Trail> trails = {line, dots};
  vision::FrameContent c;
  c.trails = trails;
  c.has_truth = true;
  const cv::Mat canvas = vision::draw_picture(image, c, 1.0);
  const auto at = [&](int x, int y) {
    const cv::Vec3b p = canvas.at<cv::Vec3b>(y, x);
    return cv::Scalar(p[0], p[1], p[2]);
  };
  EXPECT_EQ(at(40, 20), vision::track_color(4));  // along the line
  EXPECT_EQ(at(20, 200), vision::colors::kTruth);  // a dot on each centre
  EXPECT_EQ(at(60, 200), vision::colors::kTruth);
  EXPECT_EQ(at(40, 200), cv::Scalar(30, 30, 30));  // nothing between the dots
  // Hidden truth hides its trails; hidden detections theirs.
  c.show_truth = false;
  c.show_detections = false;
  const cv::Mat hidden = vision::draw_picture(image, c, 1.0);
  EXPECT_EQ(cv::countNonZero(cv::Mat(hidden != image).reshape(1)), 0);
}
