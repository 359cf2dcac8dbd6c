#pragma once
// What a runtime command says and returns when Ctrl-C or SIGTERM stopped its run.
#include <csignal>
#include <iostream>

#include "pipeline/run.hpp"

namespace ds::cli {

// Prints "interrupted after N of M images" and returns 128 + the signal (130, 143).
inline int report_interrupted(const pipeline::Stats& stats, std::size_t total, bool resumable = false) {
  std::cerr << "interrupted after " << stats.frames << (total > 0 ? " of " + std::to_string(total) : std::string())
            << (total > 0 ? " images" : " frames") << (resumable ? " (resume with --resume)" : "") << "\n";
  return 128 + stats.interrupted_by;
}

}  // namespace ds::cli
