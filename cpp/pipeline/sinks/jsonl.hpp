#pragma once
// detections.jsonl: one line per frame, in order, flushed as it goes, so a reader (or a run
// that was stopped) always has whole lines:
//   {"frame": k, "time_ms": t, "name": "...", "detections": [{"bbox": [x, y, w, h], "score": s,
//    "label": "class name", "class_id": i, "track_id": t}]}   (track_id: runs that track; -1: untracked)
#include <cstdio>
#include <filesystem>
#include <memory>

#include "pipeline/sink.hpp"

namespace ds::pipeline {

class JsonlSink final : public Sink {
 public:
  // `track_ids`: write each detection's "track_id" (a run with a tracker).
  explicit JsonlSink(const std::filesystem::path& path, bool track_ids = false);
  std::string_view stage() const override { return "writing"; }
  Control consume(const Result& result) override;
  void finish() override;

 private:
  std::filesystem::path path_;
  bool track_ids_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  long whole_ = 0;
  std::size_t frames_ = 0;  // bytes of whole lines written: a failed write is cut back to here
};

}  // namespace ds::pipeline
