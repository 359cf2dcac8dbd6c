#include "pipeline/sources/video.hpp"

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <dlfcn.h>

#include <cstdlib>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "core/util/error.hpp"
#include "core/util/interrupted.hpp"
#include "pipeline/interrupt.hpp"
#include "pipeline/sources/gstreamer_liveness.hpp"
#include "vision/image_io.hpp"

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
    if (const int sig = interrupt_signal()) throw Interrupted(sig, spec + ": stopped while opening");
    throw Error(spec + ": cannot open: " + vision::opencv_reason(e));
  }
  if (!cap.isOpened()) {
    if (const int sig = interrupt_signal()) throw Interrupted(sig, spec + ": stopped while opening");
    if (kind == VideoKind::kGStreamer) drop_late_gstreamer_messages();
    const char* what = kind == VideoKind::kFile        ? "not a video OpenCV's FFmpeg backend can read"
                       : kind == VideoKind::kCamera    ? "no such camera, or it is busy"
                       : kind == VideoKind::kGStreamer ? "the GStreamer pipeline does not start (it must end in appsink)"
                                                       : "the stream does not open";
    throw Error(spec + ": cannot open: " + what);
  }
  return cap;
}

// 8-bit BGR whatever the capture delivers: a GStreamer appsink may hand out GRAY8, GRAY16 or
// BGRA; 16-bit samples keep their top 8 bits, as imread's IMREAD_COLOR does.
cv::Mat to_bgr8(cv::Mat frame) {
  if (frame.depth() == CV_16U) {
    cv::Mat eight;
    frame.convertTo(eight, CV_8U, 1.0 / 256.0);
    frame = eight;
  } else if (frame.depth() != CV_8U) {
    throw Error("frames of OpenCV depth " + std::to_string(frame.depth()) + " (only 8- and 16-bit are read)");
  }
  if (frame.channels() == 3) return frame;
  cv::Mat bgr;
  if (frame.channels() == 1) cv::cvtColor(frame, bgr, cv::COLOR_GRAY2BGR);
  else if (frame.channels() == 4) cv::cvtColor(frame, bgr, cv::COLOR_BGRA2BGR);
  else throw Error("frames with " + std::to_string(frame.channels()) + " channels (1, 3 or 4 are read)");
  return bgr;
}

// What the reading thread and the consumer share. The thread owns a reference: when it is
// stuck in a read that never returns (a live source that stopped delivering), the source
// leaves it behind instead of waiting forever, and this stays valid for it.
struct VideoState {
  std::string spec;
  bool live = false;
  std::size_t every = 1, limit = 0, capacity = 1;
  cv::VideoCapture capture;
  double fps = 0;
  Clock::time_point opened;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Frame> ready;
  bool stop = false, ended = false;
  std::size_t dropped = 0;
  double decode_seconds = 0;
  bool file = false;           // a video file: its end is the end of the footage
  std::size_t declared = 0;    // frames its header declares (an estimate for some containers)
  std::size_t read_frames = 0; // positions read or grabbed when the reading ended
  bool stopped_early = false;  // the consumer stopped it, or --limit was reached

  void work() {
    std::size_t position = 0, kept = 0;
    for (;;) {
      {
        const std::lock_guard lock(mutex);
        if (stop || (limit != 0 && kept >= limit)) {
          stopped_early = true;
          break;
        }
      }
      const auto t0 = Clock::now();
      Frame f;
      bool ok = false;
      try {
        if (position % every != 0) {  // skipped frames are not decoded
          ok = capture.grab();
          ++position;
          if (!ok) break;
          continue;
        }
        ok = capture.read(f.pixels) && !f.pixels.empty();
        if (ok) f.pixels = to_bgr8(std::move(f.pixels));
      } catch (const cv::Exception& e) {
        f.error = spec + ": frame " + std::to_string(position) + ": " + vision::opencv_reason(e);
        f.pixels.release();
        ok = true;
      } catch (const Error& e) {
        f.error = spec + ": frame " + std::to_string(position) + ": " + e.what();
        f.pixels.release();
        ok = true;
      }
      if (!ok) break;
      f.index = position;
      f.name = "frame " + std::to_string(position);
      f.captured = Clock::now();
      f.time_ms = !live && fps > 0 ? 1000.0 * static_cast<double>(position) / fps
                                   : std::chrono::duration<double, std::milli>(f.captured - opened).count();
      ++position;
      ++kept;
      std::unique_lock lock(mutex);
      decode_seconds += std::chrono::duration<double>(f.captured - t0).count();
      if (live) {
        // The model always gets the newest frame: an unclaimed older one is dropped.
        if (!ready.empty()) {
          ready.clear();
          ++dropped;
        }
      } else {
        changed.wait(lock, [&] { return stop || ready.size() < capacity; });
        if (stop) break;
      }
      ready.push_back(std::move(f));
      lock.unlock();
      changed.notify_all();
    }
    {
      const std::lock_guard lock(mutex);
      read_frames = position;
      ended = true;
    }
    changed.notify_all();
  }
};

class VideoSource final : public Source {
 public:
  VideoSource(const std::string& spec, VideoKind kind, const VideoOptions& options)
      : state_(std::make_shared<VideoState>()) {
    VideoState& s = *state_;
    s.spec = spec;
    s.live = options.live.value_or(kind == VideoKind::kFile        ? false
                                   : kind == VideoKind::kGStreamer ? gstreamer_pipeline_is_live(spec).value_or(true)
                                                                   : true);
    s.every = std::max<std::size_t>(1, options.every);
    s.limit = options.limit;
    s.capacity = s.live ? 1 : std::max<std::size_t>(1, options.capacity);
    s.capture = open_capture(spec, kind);
    check_frame_size(s.capture, spec, options.max_side);
    s.fps = s.capture.get(cv::CAP_PROP_FPS);
    if (!(s.fps > 0 && s.fps < 1000)) s.fps = 0;
    s.file = kind == VideoKind::kFile;
    if (!s.live) {
      const double n = s.capture.get(cv::CAP_PROP_FRAME_COUNT);
      if (n > 0 && n < 1e12) {
        s.declared = static_cast<std::size_t>(n);
        total_ = (s.declared + s.every - 1) / s.every;
        if (s.limit > 0) total_ = std::min(total_, s.limit);
      }
    }
  }

  ~VideoSource() override {
    if (!worker_.joinable()) return;
    std::unique_lock lock(state_->mutex);
    state_->stop = true;
    state_->changed.notify_all();
    // A read that never returns (a live source gone quiet) must not keep the program from
    // ending: after a grace period the thread is left with its own reference to the state.
    if (state_->changed.wait_for(lock, std::chrono::seconds(2), [&] { return state_->ended; })) {
      lock.unlock();
      worker_.join();
    } else {
      lock.unlock();
      worker_.detach();
    }
  }
  VideoSource(const VideoSource&) = delete;
  VideoSource& operator=(const VideoSource&) = delete;

  std::optional<Frame> next() override {
    // Reading starts with the first request, not when the source opens: a live source would
    // otherwise drop every frame it captured while the model was loading.
    if (!worker_.joinable()) {
      state_->opened = Clock::now();
      worker_ = std::thread([state = state_] { state->work(); });
    }
    std::unique_lock lock(state_->mutex);
    // Woken now and then to see Ctrl-C: a source that delivers nothing must not hold the run.
    while (!state_->changed.wait_for(lock, std::chrono::milliseconds(200),
                                     [&] { return !state_->ready.empty() || state_->ended; }))
      if (interrupt_signal() != 0) return std::nullopt;
    if (state_->ready.empty()) {
      // A file FFmpeg opens but cannot decode a single frame of (an unsupported codec, frames
      // too large for the decoder) is an error, not an empty run.
      if (state_->file && state_->read_frames == 0 && !state_->stopped_early && interrupt_signal() == 0)
        throw Error(state_->spec + ": no frame could be decoded (a codec FFmpeg cannot read, or a corrupt file)");
      return std::nullopt;
    }
    Frame f = std::move(state_->ready.front());
    state_->ready.pop_front();
    lock.unlock();
    state_->changed.notify_all();
    return f;
  }

  std::size_t size() const override { return total_; }
  bool live() const override { return state_->live; }
  std::size_t dropped() const override {
    const std::lock_guard lock(state_->mutex);
    return state_->dropped;
  }
  double fps() const override { return state_->fps; }
  double decode_seconds() const override {
    const std::lock_guard lock(state_->mutex);
    return state_->decode_seconds;
  }
  std::string description() const override { return state_->spec; }
  std::vector<std::string> warnings() const override {
    const std::lock_guard lock(state_->mutex);
    const VideoState& s = *state_;
    // The count is the container's (exact for MP4/AVI indexes, an estimate from the duration for
    // others): one frame short is rounding, more is a file that ends before its footage does.
    if (!s.file || !s.ended || s.stopped_early || s.declared == 0 || s.read_frames + 1 >= s.declared) return {};
    return {s.spec + ": the video ended at frame " + std::to_string(s.read_frames) + " of the " +
            std::to_string(s.declared) + " its header declares (truncated or corrupt?)"};
  }

 private:
  // Frames far above what any model reads take gigabytes to decode and queue (a 16000 px video:
  // 12 GB): refused before the first frame, with the option that raises the bound.
  static void check_frame_size(cv::VideoCapture& capture, const std::string& spec, int max_side) {
    if (max_side <= 0) return;
    const double w = capture.get(cv::CAP_PROP_FRAME_WIDTH), h = capture.get(cv::CAP_PROP_FRAME_HEIGHT);
    if (std::max(w, h) > max_side)
      throw Error(spec + ": frames of " + std::to_string(static_cast<long long>(w)) + "x" +
                  std::to_string(static_cast<long long>(h)) + " pixels, above the " + std::to_string(max_side) +
                  " px bound (--max-frame-side raises it)");
  }

  std::shared_ptr<VideoState> state_;
  std::size_t total_ = 0;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Source> video_source(const std::string& spec, VideoKind kind, const VideoOptions& options) {
  return std::make_unique<VideoSource>(spec, kind, options);
}

}  // namespace ds::pipeline
