#pragma once
// The run's journal (DIR/journal.jsonl): the scored detections of each batch, appended as one
// checksummed line (core/eval/journal: the format and its reader) and synced to disk when the
// batch is done, so `evaluate --resume` after a crash, kill -9 or power loss replays what was
// done and runs the rest. A torn last line (the batch being written when it died) is redone.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/classes/class_map.hpp"
#include "core/eval/journal.hpp"
#include "pipeline/sink.hpp"

namespace ds::pipeline {

class JournalSink final : public Sink {
 public:
  // A new journal for `run` (an existing one is replaced), or, with `append`, the continuation
  // of one read_journal() has checked and cut at its last whole line.
  JournalSink(std::filesystem::path path, const std::string& run, ClassMapping mapping, bool append);
  std::string_view stage() const override { return "journal"; }
  Control consume(const Result& result) override;
  void skipped(const Frame& frame) override;
  void end_batch() override;
  void finish() override;
  // The run is complete and published: the journal is not needed any more.
  void remove();

 private:
  void write_line(const std::string& json);

  std::filesystem::path path_;
  ClassMapping mapping_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  std::string images_, skipped_;
  std::size_t next_ = 0;
};

// The reader (evaluate --resume) is core: core/eval/journal.
using ds::JournalReplay;
using ds::read_journal;

}  // namespace ds::pipeline
