#include "pipeline/sinks/video_writer.hpp"

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <cstdlib>

#include "core/util/error.hpp"
#include "pipeline/annotate.hpp"

namespace fs = std::filesystem;

namespace ds::pipeline {

VideoWriterSink::VideoWriterSink(fs::path path, double fps)
    : path_(std::move(path)), fps_(fps > 0 ? fps : 25.0) {
  // FFmpeg's own complaints ("moov atom not found") would break the one-line rule; OpenCV reads
  // this once, at its first FFmpeg use. A user's own setting wins.
  ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", 0);
  partial_ = path_;
  partial_.replace_filename("." + path_.stem().string() + ".partial" + path_.extension().string());
}

Control VideoWriterSink::consume(const Result& r) {
  const std::vector<Detection> dets = labelled_detections(r, Coordinates::kPixels);
  trails_.add(dets);
  const std::vector<vision::Trail> trails = trails_.trails();
  vision::FrameContent content = footage_content(r, dets);
  content.trails = trails;
  cv::Mat canvas = vision::draw_overlay(r.frame.pixels, content);
  if (!writer_.isOpened()) {
    size_ = canvas.size();
    std::error_code ec;
    if (path_.has_parent_path()) fs::create_directories(path_.parent_path(), ec);
    writer_.open(partial_.string(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps_, size_);
    if (!writer_.isOpened()) throw Error(path_.string() + ": cannot write the video (FFmpeg's mp4v encoder)");
  }
  // A stream may change size mid-way; the file keeps the first size.
  if (canvas.size() != size_) cv::resize(cv::Mat(canvas), canvas, size_);
  writer_.write(canvas);
  ++frames_;
  return Control::kContinue;
}

void VideoWriterSink::finish() {
  if (!writer_.isOpened()) return;
  writer_.release();
  // OpenCV's writer reports no write error: a full disk leaves a file without its index (the
  // mp4 moov atom), which no player opens. Read back before calling it written.
  std::error_code ec;
  cv::VideoCapture check(partial_.string(), cv::CAP_FFMPEG);
  if (!check.isOpened() || !(check.get(cv::CAP_PROP_FRAME_COUNT) > 0)) {
    check.release();
    fs::remove(partial_, ec);
    throw Error(path_.string() + ": cannot write the video: the file FFmpeg wrote does not read back (disk full?)");
  }
  check.release();
  fs::rename(partial_, path_, ec);
  if (ec) throw Error(path_.string() + ": cannot write: " + ec.message());
}

}  // namespace ds::pipeline
