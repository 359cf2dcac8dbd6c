#pragma once
// Decoding images for models and drawing (OpenCV). Decoding ahead of the model is the
// pipeline's (pipeline/sources/image_files).
#include <opencv2/core.hpp>

#include <filesystem>
#include <string>

namespace ds::vision {

// 8-bit BGR pixels as stored (EXIF orientation is ignored: annotations refer to stored pixels).
// Throws ds::Error naming the file when it is missing or cannot be decoded.
cv::Mat read_image(const std::filesystem::path& path);

// The same, but an image whose longer side is more than twice `keep_side` is decoded at 1/2,
// 1/4 or 1/8 of its size (the smallest that keeps the longer side at least `keep_side`): for a
// model that resizes to that anyway, memory stays bounded. JPEGs are decoded at that size
// directly (libjpeg's scaling); `stored`, when given, receives the stored size.
cv::Mat read_image_for_model(const std::filesystem::path& path, int keep_side, cv::Size* stored);

// An OpenCV exception as one line for a user: what failed and where, without the version,
// source path and line number that cv::Exception::msg carries (and its trailing newline).
std::string opencv_reason(const cv::Exception& e);

}  // namespace ds::vision
