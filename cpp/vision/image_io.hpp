#pragma once
// Decoding images for models and drawing (OpenCV). Decoding ahead of the model is the
// pipeline's (pipeline/sources/image_files).
#include <opencv2/core.hpp>

#include <filesystem>

namespace ds::vision {

// 8-bit BGR pixels as stored (EXIF orientation is ignored: annotations refer to stored pixels).
// Throws ds::Error naming the file when it is missing or cannot be decoded.
cv::Mat read_image(const std::filesystem::path& path);

}  // namespace ds::vision
