#include "vision/image_io.hpp"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <optional>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/image_header.hpp"

namespace fs = std::filesystem;

namespace ds::vision {

namespace {

// libjpeg and libpng decode a cut-off file without an error (the rest of the picture grey) and
// only print a warning that names no file: look for the end marker ourselves.
std::string truncation(std::string_view bytes) {
  const auto ends_within = [&](std::string_view marker, std::size_t tail) {
    const std::size_t from = bytes.size() > tail ? bytes.size() - tail : 0;
    return bytes.find(marker, from) != std::string_view::npos;
  };
  if (bytes.starts_with("\xFF\xD8\xFF") && !ends_within("\xFF\xD9", 4096))
    return "truncated JPEG (no end-of-image marker)";
  if (bytes.starts_with("\x89PNG\r\n\x1A\n") && !ends_within("IEND", 64)) return "truncated PNG (no IEND chunk)";
  return {};
}

}  // namespace

std::string opencv_reason(const cv::Exception& e) {
  std::string what = e.err.substr(0, e.err.find('\n'));
  if (what.empty()) what = "error " + std::to_string(e.code);
  return "OpenCV: " + what + (e.func.empty() ? "" : " (in " + e.func + ")");
}

cv::Mat read_image(const fs::path& path) { return read_image_for_model(path, 0, nullptr); }

cv::Mat read_image_for_model(const fs::path& path, int keep_side, cv::Size* stored) {
  // A FIFO or a device would block or never end: refused before reading.
  if (const std::string why = not_regular_file_reason(path, "an image"); !why.empty())
    throw Error(path.string() + ": " + (why == "file not found" ? "image not found" : why));
  const std::string bytes = read_file(path);
  if (bytes.empty()) throw Error(path.string() + ": empty file (0 bytes), not an image");
  if (const std::string problem = truncation(bytes); !problem.empty()) throw Error(path.string() + ": " + problem);
  int reduced = cv::IMREAD_COLOR;
  std::string why;
  const std::optional<ImageSize> size = keep_side > 0 ? image_size_from_bytes(bytes, why) : std::nullopt;
  if (size) {
    const int longer = std::max(size->width, size->height);
    for (const auto& [factor, flag] : {std::pair{8, cv::IMREAD_REDUCED_COLOR_8}, std::pair{4, cv::IMREAD_REDUCED_COLOR_4},
                                       std::pair{2, cv::IMREAD_REDUCED_COLOR_2}})
      if (longer / factor >= keep_side) {
        reduced = flag;
        break;
      }
  }
  cv::Mat image;
  try {
    // IMREAD_COLOR gives 8-bit BGR whatever is stored: grey is repeated in three channels, alpha
    // is dropped, 16-bit samples are scaled to 8 bits.
    image = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data())),
                         reduced | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    throw Error(path.string() + ": cannot decode image: " + opencv_reason(e));
  }
  if (image.empty()) throw Error(path.string() + ": cannot decode image (not an image, or corrupt)");
  if (stored) *stored = reduced == cv::IMREAD_COLOR ? image.size() : cv::Size(size->width, size->height);
  return image;
}

}  // namespace ds::vision
