#pragma once
// `detect SOURCE`: the one place a source string is told apart. An image file, a folder of
// images, a video file, a camera (`0`, `/dev/video0`), a stream URL (rtsp://, http://, ...), or
// a GStreamer pipeline (anything with `!`).
#include <memory>
#include <optional>
#include <string>

#include "pipeline/source.hpp"
#include "pipeline/sources/image_files.hpp"
#include "pipeline/sources/video.hpp"

namespace ds::pipeline {

struct SourceOptions {
  std::size_t every = 1;
  std::size_t limit = 0;
  DecodeOptions decode;
  std::optional<bool> live;  // VideoOptions::live: nullopt asks the source
  int max_frame_side = 8192;  // VideoOptions::max_side
};

std::unique_ptr<Source> open_source(const std::string& spec, const SourceOptions& options);

// Whether the file name's extension is one of the still-image formats we read.
bool is_image_file(const std::filesystem::path& path);

}  // namespace ds::pipeline
