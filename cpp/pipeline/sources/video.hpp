#pragma once
// Footage through OpenCV's videoio: video files (FFmpeg), cameras (V4L2), stream URLs, and
// GStreamer pipelines. Files drop nothing; live sources always hand out the newest frame.
#include <memory>
#include <string>

#include "pipeline/source.hpp"

namespace ds::pipeline {

enum class VideoKind { kFile, kCamera, kStream, kGStreamer };

struct VideoOptions {
  std::size_t every = 1;  // keep every Nth frame (the others are skipped, not decoded)
  std::size_t limit = 0;  // stop after this many kept frames; 0: no limit
  std::size_t capacity = 8;  // frames decoded ahead (files)
};

// Throws ds::Error naming `spec` when it cannot be opened.
std::unique_ptr<Source> video_source(const std::string& spec, VideoKind kind, const VideoOptions& options);

}  // namespace ds::pipeline
