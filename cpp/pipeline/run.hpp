#pragma once
// The one loop every command runs: frames from a source, in batches through the current
// detector, each frame's detections through the transforms (transform.hpp), to every sink. It
// knows nothing about datasets, metrics, windows or files.
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/detector.hpp"
#include "pipeline/sink.hpp"
#include "pipeline/source.hpp"
#include "pipeline/transform.hpp"

namespace ds::pipeline {

struct RunOptions {
  std::size_t batch_size = 0;   // 0: the detector's own
  double score_threshold = 0;   // detections scoring below are dropped (the last transform)
  // Between the reduced-decode rescale and the score filter, in this order (a tracker): each sees
  // every frame, in frame order, before any sink does.
  std::vector<Transform*> transforms;
  bool skip_bad = false;        // frames that cannot be decoded are skipped (else: an error)
  std::function<void(std::size_t frames_done)> progress;
};

struct Stats {
  std::size_t frames = 0;                 // frames that went through the model
  std::vector<std::string> skipped;       // frames skipped as unreadable (--skip-bad), one line each
  std::size_t dropped = 0;                // live frames the model was too slow for
  std::size_t reduced_decodes = 0;        // huge images decoded at 1/2..1/8 (DecodeOptions::keep_side)
  double decode_seconds = 0;              // on the source's threads (overlaps the rest)
  double model_seconds = 0;
  double postprocess_seconds = 0;
  std::vector<std::pair<std::string, double>> stage_seconds;  // per sink stage, in order
  double wall_seconds = 0;
  // After the first batch (the model's warm-up: lazy init, first allocations): the steady state.
  std::size_t steady_frames = 0;
  double steady_seconds = 0;
  std::vector<double> latency_ms;         // live sources: capture to last sink, per frame
  int interrupted_by = 0;                 // the signal that stopped the run, or 0
  bool stopped = false;                   // a sink asked to stop (q in a window)

  // Frames per second after warm-up; the whole run's rate when it was one batch (a short run of a
  // model with large batches had no steady state and showed 0.00 images/s).
  double frames_per_second() const {
    if (steady_frames > 0 && steady_seconds > 0) return static_cast<double>(steady_frames) / steady_seconds;
    return wall_seconds > 0 ? static_cast<double>(frames) / wall_seconds : 0.0;
  }
};

Stats run(Source& source, Models& models, std::span<Sink* const> sinks, const RunOptions& options);

// The timings as metrics.json's "timings" object and as one summary line.
std::string timings_json(const Stats& stats);
std::string timings_line(const Stats& stats);

}  // namespace ds::pipeline
