#include "viewer/live_window.hpp"

#include <opencv2/highgui.hpp>

#include <cstdio>
#include <iostream>

#include "pipeline/annotate.hpp"
#include "viewer/session.hpp"

namespace ds::viewer {
namespace {

constexpr const char* kWindow = "Detection Studio - detect";

bool closed() {
  try {
    return cv::getWindowProperty(kWindow, cv::WND_PROP_VISIBLE) < 1;
  } catch (const cv::Exception&) {
    return true;
  }
}

}  // namespace

LiveWindow::LiveWindow(std::filesystem::path snapshots, std::size_t frames_total)
    : snapshots_(std::move(snapshots)), total_(frames_total) {}

LiveWindow::~LiveWindow() {
  if (open_) cv::destroyWindow(kWindow);
}

pipeline::Control LiveWindow::consume(const pipeline::Result& r) {
  if (!open_) {
    cv::namedWindow(kWindow, cv::WINDOW_AUTOSIZE | cv::WINDOW_GUI_NORMAL);
    open_ = true;
  } else if (closed()) {
    return pipeline::Control::kStop;
  }
  const auto now = std::chrono::steady_clock::now();
  if (last_.time_since_epoch().count() != 0) {
    const double dt = std::chrono::duration<double>(now - last_).count();
    if (dt > 0) fps_ = fps_ == 0 ? 1 / dt : 0.9 * fps_ + 0.1 / dt;  // smoothed
  }
  last_ = now;
  const double latency = std::chrono::duration<double, std::milli>(now - r.frame.captured).count();
  const std::vector<Detection> dets = pipeline::labelled_detections(r, pipeline::Coordinates::kPixels);
  vision::FrameContent content = pipeline::footage_content(r, dets);
  char facts[96];
  std::snprintf(facts, sizeof facts, "   %.1f fps   latency %.0f ms", fps_, latency);
  content.status.count = total_;
  content.status.source = r.model + facts;
  const cv::Mat canvas = vision::draw_frame(r.frame.pixels, content);
  cv::imshow(kWindow, canvas);
  std::cout << "detect: frame " << r.frame.index << " detections=" << dets.size() << " model=" << r.model << "\n"
            << std::flush;
  bool paused = false;
  while (true) {
    const int key = cv::waitKeyEx(paused ? 50 : 1);
    if (closed() || key == 0xff1b || key == 0x01000000) return pipeline::Control::kStop;  // Esc: keysym, Qt
    switch (key & 0xffff) {
      case ' ':
        paused = !paused;
        std::cout << "detect: " << (paused ? "paused" : "resumed") << "\n" << std::flush;
        break;
      case 'q': case 27:
        return pipeline::Control::kStop;
      case 's': {
        const auto path = snapshots_ / ("snapshot_" + file_safe(r.model) + "_" + std::to_string(r.frame.index) + ".png");
        vision::write_image(path, canvas);
        std::cout << "detect: saved " << path.string() << "\n" << std::flush;
        break;
      }
      case 'm':
        return pipeline::Control::kNextModel;
      default:
        break;
    }
    if (!paused) return pipeline::Control::kContinue;
  }
}

void LiveWindow::finish() {
  if (open_) cv::destroyWindow(kWindow);
  open_ = false;
}

}  // namespace ds::viewer
