#include "app/cli/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace ds::cli {

Progress::Progress(std::string label, std::size_t total)
    : label_(std::move(label)),
      total_(total),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  if (enabled_) draw(0, false);
}

Progress::~Progress() { finish(); }

void Progress::update(std::size_t done) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(done, false);
}

void Progress::finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  std::fputs("\n", stderr);
}

void Progress::draw(std::size_t done, bool) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  constexpr int kWidth = 30;
  const int filled = total_ ? static_cast<int>(kWidth * done / total_) : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  char eta[32] = "--:--";
  if (rate > 0 && done < total_) {
    const auto left = static_cast<long>(static_cast<double>(total_ - done) / rate);
    std::snprintf(eta, sizeof eta, "%ld:%02ld", left / 60, left % 60);
  } else if (done >= total_) {
    std::snprintf(eta, sizeof eta, "0:00");
  }
  std::fprintf(stderr, "\r%s [%s] %zu/%zu  %.1f img/s  ETA %s ", label_.c_str(), bar.c_str(), done,
               total_, rate, eta);
  std::fflush(stderr);
}

}  // namespace ds::cli
