#include "pipeline/run.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "core/util/error.hpp"
#include "core/util/json_writer.hpp"
#include "pipeline/interrupt.hpp"
#include "pipeline/transforms/rescale.hpp"
#include "pipeline/transforms/score_filter.hpp"

namespace ds::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

Stats run(Source& source, Models& models, std::span<Sink* const> sinks, const RunOptions& options) {
  Stats stats;
  RescaleToStored rescale;
  ScoreFilter filter(options.score_threshold);
  // The post-processing transforms (timed as "post") around the run's own (timed by stage): the
  // run's transforms see every detection in the stored image's pixels. Without any, the filter
  // goes first, so that masks of dropped detections are not rescaled.
  std::vector<Transform*> transforms{&rescale};
  transforms.insert(transforms.end(), options.transforms.begin(), options.transforms.end());
  transforms.push_back(&filter);
  if (options.transforms.empty()) std::swap(transforms.front(), transforms.back());
  const auto is_post = [&](const Transform* t) { return t == &rescale || t == &filter; };
  for (const Transform* t : options.transforms) {
    const std::string stage(t->stage());
    if (std::none_of(stats.stage_seconds.begin(), stats.stage_seconds.end(),
                     [&](const auto& p) { return p.first == stage; }))
      stats.stage_seconds.emplace_back(stage, 0.0);
  }
  for (Sink* s : sinks) {
    const std::string stage(s->stage());
    if (std::none_of(stats.stage_seconds.begin(), stats.stage_seconds.end(),
                     [&](const auto& p) { return p.first == stage; }))
      stats.stage_seconds.emplace_back(stage, 0.0);
  }
  const auto stage_index = [&](std::string_view stage) {
    for (std::size_t i = 0; i < stats.stage_seconds.size(); ++i)
      if (stats.stage_seconds[i].first == stage) return i;
    return std::size_t{0};
  };
  const auto start = Clock::now();
  std::vector<Frame> batch;
  std::vector<const Frame*> pointers;
  bool stop = false;
  bool first_batch_done = false;
  Clock::time_point steady_start;
  std::size_t frames_at_steady_start = 0;

  // Runs the batch through the detector and every sink. Live sources are batched one frame at a
  // time: waiting for a second frame would only add latency.
  const auto flush = [&] {
    if (batch.empty()) return;
    Detector& detector = models.current();
    pointers.clear();
    for (const Frame& f : batch) pointers.push_back(&f);
    auto t0 = Clock::now();
    std::vector<std::vector<host::RawDetection>> results = detector.detect(pointers);
    stats.model_seconds += seconds_since(t0);
    if (results.size() != batch.size())
      throw Error(detector.name() + ": gave " + std::to_string(results.size()) + " results for " +
                  std::to_string(batch.size()) + " frames");
    for (std::size_t i = 0; i < batch.size(); ++i)
      for (Transform* t : transforms) {
        t0 = Clock::now();
        t->apply(batch[i], results[i]);
        const double took = seconds_since(t0);
        if (is_post(t))
          stats.postprocess_seconds += took;
        else
          stats.stage_seconds[stage_index(t->stage())].second += took;
      }
    bool next_model = false;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const Result result{batch[i], results[i], detector.class_names(), detector.name(), detector};
      for (Sink* s : sinks) {
        t0 = Clock::now();
        const Control c = s->consume(result);
        stats.stage_seconds[stage_index(s->stage())].second += seconds_since(t0);
        if (c == Control::kStop) stop = true;
        if (c == Control::kNextModel) next_model = true;
      }
      if (source.live())
        stats.latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - batch[i].captured).count());
    }
    for (Sink* s : sinks) {
      t0 = Clock::now();
      s->end_batch();
      stats.stage_seconds[stage_index(s->stage())].second += seconds_since(t0);
    }
    stats.frames += batch.size();
    if (!first_batch_done) {
      first_batch_done = true;
      steady_start = Clock::now();
      frames_at_steady_start = stats.frames;
    }
    if (options.progress) options.progress(stats.frames);
    batch.clear();
    if (next_model) models.next();
  };

  try {
    while (!stop) {
      if (const int sig = interrupt_signal()) {
        stats.interrupted_by = sig;
        break;
      }
      std::optional<Frame> frame = source.next();
      if (!frame) break;
      if (!frame->error.empty()) {
        if (!options.skip_bad) throw Error(frame->error + " (--skip-bad skips unreadable images)");
        stats.skipped.push_back(frame->error);
        for (Sink* s : sinks) s->skipped(*frame);
        continue;
      }
      batch.push_back(std::move(*frame));
      const std::size_t size = source.live() ? 1 : options.batch_size > 0 ? options.batch_size : models.current().batch_size();
      if (batch.size() >= size) flush();
    }
    if (!stop && stats.interrupted_by == 0) flush();
  } catch (...) {
    // Outputs stay valid even when the run fails; the first error is the one reported.
    for (Transform* t : options.transforms) {
      try {
        t->finish();
      } catch (...) {
      }
    }
    for (Sink* s : sinks) {
      try {
        s->finish();
      } catch (...) {
      }
    }
    throw;
  }
  if (stats.interrupted_by == 0) stats.interrupted_by = interrupt_signal();
  stats.stopped = stop;
  for (Transform* t : options.transforms) {
    const auto t0 = Clock::now();
    t->finish();
    stats.stage_seconds[stage_index(t->stage())].second += seconds_since(t0);
  }
  for (Sink* s : sinks) {
    const auto t0 = Clock::now();
    s->finish();
    stats.stage_seconds[stage_index(s->stage())].second += seconds_since(t0);
  }
  stats.reduced_decodes = rescale.frames_rescaled();
  stats.dropped = source.dropped();
  stats.decode_seconds = source.decode_seconds();
  stats.wall_seconds = seconds_since(start);
  if (first_batch_done) {
    stats.steady_frames = stats.frames - frames_at_steady_start;
    stats.steady_seconds = seconds_since(steady_start);
  }
  return stats;
}

std::string timings_json(const Stats& s) {
  JsonWriter w;
  w.begin_object()
      .field("wall_seconds", s.wall_seconds)
      .field("decode_seconds", s.decode_seconds)
      .field("model_seconds", s.model_seconds)
      .field("postprocess_seconds", s.postprocess_seconds);
  for (const auto& [stage, secs] : s.stage_seconds) w.field(stage + "_seconds", secs);
  w.field("frames", static_cast<std::int64_t>(s.frames))
      .field("frames_per_second", s.wall_seconds > 0 ? static_cast<double>(s.frames) / s.wall_seconds : 0.0)
      .field("steady_frames_per_second", s.frames_per_second())
      .field("model_ms_per_frame", s.frames > 0 ? 1000.0 * s.model_seconds / static_cast<double>(s.frames) : 0.0)
      .field("dropped_frames", static_cast<std::int64_t>(s.dropped))
      .field("reduced_decodes", static_cast<std::int64_t>(s.reduced_decodes));
  if (!s.latency_ms.empty())
    w.field("latency_ms_p50", percentile(s.latency_ms, 0.5)).field("latency_ms_p95", percentile(s.latency_ms, 0.95));
  w.end_object();
  return w.take();
}

std::string timings_line(const Stats& s) {
  char buf[512];
  const double fps = s.wall_seconds > 0 ? static_cast<double>(s.frames) / s.wall_seconds : 0.0;
  std::snprintf(buf, sizeof buf, "%zu frames in %.2f s (%.1f/s): decode %.2f s, model %.2f s (%.1f ms/frame), post %.3f s",
                s.frames, s.wall_seconds, fps, s.decode_seconds, s.model_seconds,
                s.frames > 0 ? 1000.0 * s.model_seconds / static_cast<double>(s.frames) : 0.0, s.postprocess_seconds);
  std::string out = buf;
  if (s.steady_seconds > 0 && s.steady_frames > 0) {
    std::snprintf(buf, sizeof buf, ", steady %.1f/s", static_cast<double>(s.steady_frames) / s.steady_seconds);
    out += buf;
  }
  for (const auto& [stage, secs] : s.stage_seconds) {
    std::snprintf(buf, sizeof buf, ", %s %.2f s", stage.c_str(), secs);
    out += buf;
  }
  if (s.dropped > 0) out += ", " + std::to_string(s.dropped) + " frames dropped (live)";
  if (!s.latency_ms.empty()) {
    std::snprintf(buf, sizeof buf, ", latency p50 %.1f ms, p95 %.1f ms", percentile(s.latency_ms, 0.5),
                  percentile(s.latency_ms, 0.95));
    out += buf;
  }
  return out;
}

}  // namespace ds::pipeline
