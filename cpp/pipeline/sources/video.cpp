#include "pipeline/sources/video.hpp"

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/videoio.hpp>

#include <dlfcn.h>

#include <cstdlib>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/util/error.hpp"

namespace ds::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// GLib's logger, looked up at run time (GLib comes with OpenCV's GStreamer backend; we do not
// link it): a pipeline that fails to start makes GStreamer print screenfuls of CRITICAL lines.
using GLogFunc = void (*)(const char*, int, const char*, void*);
extern "C" void drop_glib_message(const char*, int, const char*, void*) {}

class QuietGLib {
 public:
  QuietGLib() {
    set_ = reinterpret_cast<GLogFunc (*)(GLogFunc, void*)>(::dlsym(RTLD_DEFAULT, "g_log_set_default_handler"));
    if (set_) before_ = set_(drop_glib_message, nullptr);
  }
  ~QuietGLib() {
    if (set_) set_(before_, nullptr);
  }
  QuietGLib(const QuietGLib&) = delete;
  QuietGLib& operator=(const QuietGLib&) = delete;

 private:
  GLogFunc (*set_)(GLogFunc, void*) = nullptr;
  GLogFunc before_ = nullptr;
};

// A pipeline that failed to start can still log from its own streaming threads after
// open() returned (seen: "gst_element_post_message: assertion 'GST_IS_ELEMENT (element)'
// failed" once the error line was out). Those lines belong to the failure already reported, so
// GStreamer's CRITICAL and WARNING lines are dropped from then on in this process; other
// domains and a healthy pipeline's messages are untouched.
void drop_late_gstreamer_messages() {
  using SetHandler = unsigned (*)(const char*, int, GLogFunc, void*);
  static const bool once = [] {
    const auto set = reinterpret_cast<SetHandler>(::dlsym(RTLD_DEFAULT, "g_log_set_handler"));
    constexpr int kCritical = 1 << 3, kWarning = 1 << 4;  // G_LOG_LEVEL_CRITICAL, _WARNING
    if (set) set("GStreamer", kCritical | kWarning, drop_glib_message, nullptr);
    return true;
  }();
  (void)once;
}

cv::VideoCapture open_capture(const std::string& spec, VideoKind kind) {
  const QuietGLib quiet_glib;
  // OpenCV's backends log their failures as several lines of their own; the one line below says it.
  // FFmpeg's own messages ("moov atom not found") too: OpenCV reads this once, at its first
  // FFmpeg capture; -8 is AV_LOG_QUIET. A user's own setting wins.
  ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", 0);
  struct QuietLog {
    cv::utils::logging::LogLevel before = cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    ~QuietLog() { cv::utils::logging::setLogLevel(before); }
  } quiet;
  cv::VideoCapture cap;
  try {
    switch (kind) {
      case VideoKind::kFile:
      case VideoKind::kStream:
        cap.open(spec, cv::CAP_FFMPEG);
        break;
      case VideoKind::kGStreamer:
        cap.open(spec, cv::CAP_GSTREAMER);
        break;
      case VideoKind::kCamera: {
        const bool number = !spec.empty() && spec.find_first_not_of("0123456789") == std::string::npos;
        if (number) cap.open(std::stoi(spec), cv::CAP_V4L2);
        else cap.open(spec, cv::CAP_V4L2);
        break;
      }
    }
  } catch (const cv::Exception& e) {
    if (kind == VideoKind::kGStreamer) drop_late_gstreamer_messages();
    throw Error(spec + ": cannot open: " + e.msg);
  }
  if (!cap.isOpened()) {
    if (kind == VideoKind::kGStreamer) drop_late_gstreamer_messages();
    const char* what = kind == VideoKind::kFile        ? "not a video OpenCV's FFmpeg backend can read"
                       : kind == VideoKind::kCamera    ? "no such camera, or it is busy"
                       : kind == VideoKind::kGStreamer ? "the GStreamer pipeline does not start (it must end in appsink)"
                                                       : "the stream does not open";
    throw Error(spec + ": cannot open: " + what);
  }
  return cap;
}

class VideoSource final : public Source {
 public:
  VideoSource(const std::string& spec, VideoKind kind, const VideoOptions& options)
      : spec_(spec), live_(kind != VideoKind::kFile), every_(std::max<std::size_t>(1, options.every)),
        limit_(options.limit), capacity_(live_ ? 1 : std::max<std::size_t>(1, options.capacity)),
        capture_(open_capture(spec, kind)) {
    fps_ = capture_.get(cv::CAP_PROP_FPS);
    if (!(fps_ > 0 && fps_ < 1000)) fps_ = 0;
    if (!live_) {
      const double n = capture_.get(cv::CAP_PROP_FRAME_COUNT);
      if (n > 0) {
        total_ = (static_cast<std::size_t>(n) + every_ - 1) / every_;
        if (limit_ > 0) total_ = std::min(total_, limit_);
      }
    }
  }

  ~VideoSource() override {
    worker_.request_stop();
    changed_.notify_all();
  }

  std::optional<Frame> next() override {
    // Reading starts with the first request, not when the source opens: a live source would
    // otherwise drop every frame it captured while the model was loading.
    if (!worker_.joinable()) {
      opened_ = Clock::now();
      worker_ = std::jthread([this](std::stop_token stop) { work(stop); });
    }
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !ready_.empty() || ended_; });
    if (ready_.empty()) return std::nullopt;
    Frame f = std::move(ready_.front());
    ready_.pop_front();
    lock.unlock();
    changed_.notify_all();
    return f;
  }

  std::size_t size() const override { return total_; }
  bool live() const override { return live_; }
  std::size_t dropped() const override {
    std::lock_guard lock(mutex_);
    return dropped_;
  }
  double fps() const override { return fps_; }
  double decode_seconds() const override {
    std::lock_guard lock(mutex_);
    return decode_seconds_;
  }
  std::string description() const override { return spec_; }

 private:
  void work(std::stop_token stop) {
    std::size_t position = 0, kept = 0;
    while (!stop.stop_requested() && (limit_ == 0 || kept < limit_)) {
      const auto t0 = Clock::now();
      Frame f;
      bool ok = false;
      try {
        if (position % every_ != 0) {  // skipped frames are not decoded
          ok = capture_.grab();
          ++position;
          if (!ok) break;
          continue;
        }
        ok = capture_.read(f.pixels) && !f.pixels.empty();
      } catch (const cv::Exception& e) {
        f.error = spec_ + ": frame " + std::to_string(position) + ": " + e.msg;
        ok = true;
      }
      if (!ok) break;
      f.index = position;
      f.name = "frame " + std::to_string(position);
      f.captured = Clock::now();
      f.time_ms = !live_ && fps_ > 0 ? 1000.0 * static_cast<double>(position) / fps_
                                     : std::chrono::duration<double, std::milli>(f.captured - opened_).count();
      ++position;
      ++kept;
      std::unique_lock lock(mutex_);
      decode_seconds_ += std::chrono::duration<double>(f.captured - t0).count();
      if (live_) {
        // The model always gets the newest frame: an unclaimed older one is dropped.
        if (!ready_.empty()) {
          ready_.clear();
          ++dropped_;
        }
      } else {
        changed_.wait(lock, stop, [&] { return ready_.size() < capacity_; });
        if (stop.stop_requested()) break;
      }
      ready_.push_back(std::move(f));
      lock.unlock();
      changed_.notify_all();
    }
    {
      std::lock_guard lock(mutex_);
      ended_ = true;
    }
    changed_.notify_all();
  }

  std::string spec_;
  bool live_;
  std::size_t every_, limit_, capacity_;
  cv::VideoCapture capture_;
  double fps_ = 0;
  std::size_t total_ = 0;
  Clock::time_point opened_;
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  std::deque<Frame> ready_;
  bool ended_ = false;
  std::size_t dropped_ = 0;
  double decode_seconds_ = 0;
  std::jthread worker_;  // last: stops before the state it uses goes
};

}  // namespace

std::unique_ptr<Source> video_source(const std::string& spec, VideoKind kind, const VideoOptions& options) {
  return std::make_unique<VideoSource>(spec, kind, options);
}

}  // namespace ds::pipeline
