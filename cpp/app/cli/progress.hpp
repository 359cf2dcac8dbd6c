#pragma once
// A progress bar with images/s and ETA on a terminal; silent when stderr is not a terminal.
#include <chrono>
#include <cstddef>
#include <string>

namespace ds::cli {

class Progress {
 public:
  Progress(std::string label, std::size_t total);
  ~Progress();
  void update(std::size_t done);
  void finish();

 private:
  void draw(std::size_t done, bool final);

  std::string label_;
  std::size_t total_;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace ds::cli
