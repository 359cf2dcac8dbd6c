#pragma once
// Decoding images for models and drawing (OpenCV).
#include <opencv2/core.hpp>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ds::vision {

// 8-bit BGR pixels as stored (EXIF orientation is ignored: annotations refer to stored pixels).
// Throws ds::Error naming the file when it is missing or cannot be decoded.
cv::Mat read_image(const std::filesystem::path& path);

// Decodes images ahead of the consumer on a background thread (bounded queue), so decoding
// overlaps inference.
class ImagePrefetcher {
 public:
  struct Item {
    std::size_t index = 0;
    cv::Mat image;
    std::string error;  // non-empty when decoding failed
  };

  ImagePrefetcher(std::vector<std::filesystem::path> paths, std::size_t capacity);
  ~ImagePrefetcher();
  ImagePrefetcher(const ImagePrefetcher&) = delete;
  ImagePrefetcher& operator=(const ImagePrefetcher&) = delete;

  // The next image in order, or nullopt at the end.
  std::optional<Item> next();

 private:
  void run(std::stop_token stop);

  std::vector<std::filesystem::path> paths_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable_any changed_;
  std::deque<Item> ready_;
  std::size_t consumed_ = 0;
  std::jthread worker_;
};

}  // namespace ds::vision
