#include "vision/image_io.hpp"

#include <opencv2/imgcodecs.hpp>

#include "core/util/error.hpp"

namespace fs = std::filesystem;

namespace ds::vision {

cv::Mat read_image(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path.string() + ": image not found");
  cv::Mat image;
  try {
    image = cv::imread(path.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    throw Error(path.string() + ": cannot decode image: " + e.msg);
  }
  if (image.empty()) throw Error(path.string() + ": cannot decode image (not an image, or corrupt)");
  return image;
}

ImagePrefetcher::ImagePrefetcher(std::vector<fs::path> paths, std::size_t capacity)
    : paths_(std::move(paths)), capacity_(std::max<std::size_t>(1, capacity)) {
  worker_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

ImagePrefetcher::~ImagePrefetcher() {
  worker_.request_stop();
  changed_.notify_all();
}

void ImagePrefetcher::run(std::stop_token stop) {
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, stop, [&] { return ready_.size() < capacity_; });
      if (stop.stop_requested()) return;
    }
    Item item{i, {}, {}};
    try {
      item.image = read_image(paths_[i]);
    } catch (const std::exception& e) {
      item.error = e.what();
    }
    {
      std::lock_guard lock(mutex_);
      ready_.push_back(std::move(item));
    }
    changed_.notify_all();
  }
}

std::optional<ImagePrefetcher::Item> ImagePrefetcher::next() {
  std::unique_lock lock(mutex_);
  if (consumed_ >= paths_.size()) return std::nullopt;
  changed_.wait(lock, [&] { return !ready_.empty(); });
  Item item = std::move(ready_.front());
  ready_.pop_front();
  ++consumed_;
  lock.unlock();
  changed_.notify_all();
  return item;
}

}  // namespace ds::vision
