#include "pipeline/open_source.hpp"

#include <algorithm>
#include <array>

#include "core/util/error.hpp"
#include "core/util/text.hpp"

namespace fs = std::filesystem;

namespace ds::pipeline {

bool is_image_file(const fs::path& path) {
  static constexpr std::array<std::string_view, 9> kExtensions{".jpg", ".jpeg", ".png", ".bmp", ".webp",
                                                               ".tif", ".tiff", ".pgm", ".ppm"};
  const std::string ext = to_lower(path.extension().string());
  return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

namespace {

std::unique_ptr<Source> stills(std::vector<fs::path> paths, std::string description, const SourceOptions& o) {
  std::vector<ImageEntry> entries;
  const std::size_t every = std::max<std::size_t>(1, o.every);
  for (std::size_t i = 0; i < paths.size(); i += every) {
    if (o.limit > 0 && entries.size() >= o.limit) break;
    entries.push_back({paths[i], nullptr, i});
  }
  return image_files_source(std::move(entries), std::move(description), o.decode);
}

}  // namespace

std::unique_ptr<Source> open_source(const std::string& spec, const SourceOptions& options) {
  if (spec.empty()) throw Error("SOURCE is empty (give an image, a folder, a video, a camera, a URL or a pipeline)");
  const VideoOptions video{
      .every = options.every, .limit = options.limit, .live = options.live, .max_side = options.max_frame_side};
  if (spec.find('!') != std::string::npos) return video_source(spec, VideoKind::kGStreamer, video);
  if (spec.find("://") != std::string::npos) return video_source(spec, VideoKind::kStream, video);
  if (spec.find_first_not_of("0123456789") == std::string::npos || spec.starts_with("/dev/video"))
    return video_source(spec, VideoKind::kCamera, video);

  const fs::path path(spec);
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw Error(spec + ": not found (SOURCE)");
  if (fs::is_directory(status)) {
    std::vector<fs::path> images;
    // Every entry named as an image but a folder: a dangling link or a FIFO named *.jpg is then
    // refused (or, with --skip-bad, skipped and counted) by the decoder, never silently dropped.
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      std::error_code type_ec;
      if (is_image_file(entry.path()) && !entry.is_directory(type_ec)) images.push_back(entry.path());
    }
    if (ec) throw Error(spec + ": cannot list the folder: " + ec.message());
    if (images.empty()) throw Error(spec + ": the folder has no images (.jpg, .png, ...)");
    std::sort(images.begin(), images.end());
    return stills(std::move(images), spec, options);
  }
  if (!fs::is_regular_file(status)) throw Error(spec + ": not a regular file (SOURCE)");
  if (is_image_file(path)) return stills({path}, spec, options);
  return video_source(spec, VideoKind::kFile, video);
}

}  // namespace ds::pipeline
