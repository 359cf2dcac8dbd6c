#pragma once
// `detect --show`: the pipeline's frames in a window as they are processed, with FPS and latency.
// Keys: space pauses, q / Esc quits, s saves a snapshot, m switches to the next --model.
// Call display_problem() first.
#include <chrono>
#include <filesystem>

#include "pipeline/sink.hpp"

namespace ds::viewer {

class LiveWindow final : public pipeline::Sink {
 public:
  explicit LiveWindow(std::filesystem::path snapshots, std::size_t frames_total = 0);
  ~LiveWindow() override;
  std::string_view stage() const override { return "display"; }
  pipeline::Control consume(const pipeline::Result& result) override;
  void finish() override;

 private:
  std::filesystem::path snapshots_;
  std::size_t total_;
  std::chrono::steady_clock::time_point last_;
  double fps_ = 0;
  bool open_ = false;
};

}  // namespace ds::viewer
