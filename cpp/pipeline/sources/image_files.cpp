#include "pipeline/sources/image_files.hpp"

#include <opencv2/videoio.hpp>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "core/util/error.hpp"
#include "vision/image_io.hpp"

namespace fs = std::filesystem;

namespace ds::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// Frames of annotated video, read forward; reopened only when asked for an earlier frame.
class VideoFrames {
 public:
  cv::Mat read(const fs::path& path, std::int64_t frame) {
    if (path != path_ || frame < next_) {
      capture_ = cv::VideoCapture(path.string(), cv::CAP_FFMPEG);
      if (!capture_.isOpened()) throw Error(path.string() + ": cannot open the video");
      path_ = path;
      next_ = 0;
    }
    for (; next_ < frame; ++next_)
      if (!capture_.grab()) throw Error(path.string() + ": the video ends before frame " + std::to_string(frame));
    cv::Mat image;
    if (!capture_.read(image) || image.empty())
      throw Error(path.string() + ": cannot decode frame " + std::to_string(frame));
    ++next_;
    return image;
  }

 private:
  cv::VideoCapture capture_;
  fs::path path_;
  std::int64_t next_ = 0;
};

class ImageFilesSource final : public Source {
 public:
  ImageFilesSource(std::vector<ImageEntry> entries, std::string description, const DecodeOptions& options)
      : entries_(std::move(entries)), description_(std::move(description)),
        capacity_(std::max<std::size_t>(1, options.capacity)),
        keep_side_(options.keep_side) {
    bool video = false;
    for (const ImageEntry& e : entries_) video = video || (e.image && e.image->frame >= 0);
    // Video frames decode in order on one thread; stills in parallel.
    threads_ = video ? 1 : std::clamp<std::size_t>(options.threads, 1, 16);
  }

  ~ImageFilesSource() override {
    for (auto& w : workers_) w.request_stop();
    changed_.notify_all();
  }

  std::optional<Frame> next() override {
    // Decoding starts with the first request: a model loaded after the source opened can still
    // ask for reduced decodes (reduce_to).
    if (workers_.empty())
      for (std::size_t t = 0; t < threads_ && t < entries_.size(); ++t)
        workers_.emplace_back([this](std::stop_token stop) { work(stop); });
    std::unique_lock lock(mutex_);
    if (consumed_ >= entries_.size()) return std::nullopt;
    changed_.wait(lock, [&] { return ready_.contains(consumed_); });
    auto node = ready_.extract(consumed_);
    ++consumed_;
    lock.unlock();
    changed_.notify_all();
    return std::move(node.mapped());
  }

  std::size_t size() const override { return entries_.size(); }
  void reduce_to(int keep_side) override {
    if (workers_.empty()) keep_side_ = keep_side;
  }
  double decode_seconds() const override {
    std::lock_guard lock(mutex_);
    return decode_seconds_;
  }
  std::string description() const override { return description_; }

 private:
  void work(std::stop_token stop) {
    VideoFrames video;
    while (true) {
      std::size_t i;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, stop, [&] { return claimed_ < entries_.size() && claimed_ < consumed_ + capacity_; });
        if (stop.stop_requested() || claimed_ >= entries_.size()) return;
        i = claimed_++;
      }
      const ImageEntry& e = entries_[i];
      Frame f;
      f.index = e.index;
      f.image = e.image;
      f.name = e.image ? e.image->file_name : e.path.filename().string();
      const auto t0 = Clock::now();
      try {
        if (e.image && e.image->frame >= 0) {
          f.name += '#';
          f.name += std::to_string(e.image->frame);
          f.pixels = video.read(e.path, e.image->frame);
        } else {
          cv::Size stored;
          f.pixels = vision::read_image_for_model(e.path, keep_side_, &stored);
          if (stored != f.pixels.size()) f.stored = stored;
        }
      } catch (const std::exception& ex) {
        f.error = ex.what();
      }
      f.captured = Clock::now();
      {
        std::lock_guard lock(mutex_);
        decode_seconds_ += std::chrono::duration<double>(f.captured - t0).count();
        ready_.emplace(i, std::move(f));
      }
      changed_.notify_all();
    }
  }

  std::vector<ImageEntry> entries_;
  std::string description_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  std::map<std::size_t, Frame> ready_;
  std::size_t claimed_ = 0, consumed_ = 0;
  double decode_seconds_ = 0;
  int keep_side_ = 0;
  std::size_t threads_ = 1;
  std::vector<std::jthread> workers_;  // last: they stop before the state they use goes
};

}  // namespace

std::unique_ptr<Source> image_files_source(std::vector<ImageEntry> entries, std::string description,
                                           const DecodeOptions& options) {
  return std::make_unique<ImageFilesSource>(std::move(entries), std::move(description), options);
}

cv::Mat read_dataset_image(const Dataset& dataset, const Image& image) {
  const fs::path path = dataset.image_dir / image.file_name;
  if (image.frame < 0) return vision::read_image(path);
  VideoFrames video;
  return video.read(path, image.frame);
}

std::unique_ptr<Source> dataset_source(const Dataset& dataset, std::size_t limit, std::size_t start,
                                       const DecodeOptions& options) {
  std::vector<ImageEntry> entries;
  const std::size_t n = limit > 0 ? std::min(limit, dataset.images.size()) : dataset.images.size();
  for (std::size_t i = start; i < n; ++i)
    entries.push_back({dataset.image_dir / dataset.images[i].file_name, &dataset.images[i], i});
  return image_files_source(std::move(entries), dataset.source, options);
}

}  // namespace ds::pipeline
