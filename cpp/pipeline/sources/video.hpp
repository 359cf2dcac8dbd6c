#pragma once
// Footage through OpenCV's videoio: video files (FFmpeg), cameras (V4L2), stream URLs, and
// GStreamer pipelines. Files drop nothing; live sources always hand out the newest frame.
// Frames come out as 8-bit BGR whatever the capture delivers (grey, 16-bit, BGRA).
#include <memory>
#include <optional>
#include <string>

#include "pipeline/source.hpp"

namespace ds::pipeline {

enum class VideoKind { kFile, kCamera, kStream, kGStreamer };

struct VideoOptions {
  std::size_t every = 1;  // keep every Nth frame (the others are skipped, not decoded)
  std::size_t limit = 0;  // stop after this many kept frames; 0: no limit
  std::size_t capacity = 8;  // frames decoded ahead (files)
  // Live: hand out the newest frame, dropping older ones. Default: files never, cameras and
  // streams always, a GStreamer pipeline when one of its sources is live (--live / --no-drop).
  std::optional<bool> live;
  int max_side = 8192;  // frames with a longer side above this are refused (0: no bound)
};

// Throws ds::Error naming `spec` when it cannot be opened.
std::unique_ptr<Source> video_source(const std::string& spec, VideoKind kind, const VideoOptions& options);

}  // namespace ds::pipeline
