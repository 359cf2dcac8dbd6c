#pragma once
// annotated.mp4: every frame with its boxes drawn as the viewer draws them, at the footage's
// size and frame rate. Written beside the target and renamed when the run ends (Ctrl-C too), so
// a failed run never leaves a broken video in its place.
#include <opencv2/videoio.hpp>

#include <filesystem>
#include <vector>

#include "pipeline/sink.hpp"
#include "vision/trails.hpp"

namespace ds::pipeline {

class VideoWriterSink final : public Sink {
 public:
  VideoWriterSink(std::filesystem::path path, double fps);
  std::string_view stage() const override { return "encoding"; }
  Control consume(const Result& result) override;
  void finish() override;
  std::size_t frames() const { return frames_; }

 private:
  std::filesystem::path path_, partial_;
  double fps_;
  cv::VideoWriter writer_;
  cv::Size size_;
  std::size_t frames_ = 0;
  vision::TrailHistory trails_;  // a run that tracks: trails drawn behind the tracked boxes
};

}  // namespace ds::pipeline
