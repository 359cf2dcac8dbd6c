#pragma once
// evaluate's loop, shared by the command and the Python API (ds.evaluate): the run's images
// decoded and batched by the pipeline, through the model, into the run's evaluators and (when
// the run has a folder) its journal. Both go through here, so their detections and metrics are
// the same.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/classes/class_map.hpp"
#include "core/config/run_config.hpp"
#include "core/eval/shards.hpp"
#include "pipeline/models.hpp"
#include "pipeline/run.hpp"
#include "pipeline/sinks/evaluation.hpp"
#include "pipeline/sinks/journal.hpp"
#include "pipeline/transforms/track.hpp"

namespace ds::cli {

struct EvaluationRequest {
  const RunConfig& cfg;
  const Dataset& dataset;
  pipeline::Models& models;           // the model: models.current()
  std::size_t total = 0;              // the run's images: the dataset's first `total`
  std::size_t batch = 0;              // images per model call (0: the model's own)
  bool skip_bad = false;              // unreadable images are skipped (else: an error)
  std::optional<ShardSpec> shard;     // only this shard's images
  // DIR/journal.jsonl and what it is of; none: no journal (the Python API without a folder).
  std::optional<std::filesystem::path> journal;
  std::string run_identity;
  const pipeline::JournalReplay* replay = nullptr;  // --resume: what the journal already holds
  bool progress = true;               // a progress bar on stderr (when it is a terminal)
  std::function<void()> after_batch;  // called after each batch; may throw to stop the run
};

struct Evaluation {
  std::string model_name;
  ClassMapping mapping;
  std::unique_ptr<pipeline::EvaluationSink> scoring;
  std::unique_ptr<pipeline::JournalSink> journal;  // null without one
  std::unique_ptr<pipeline::TrackTransform> tracking;  // the run config's tracker; null without one
  pipeline::Stats stats;              // its skipped images include the journal's
  std::size_t first = 0, end = 0;     // the images of the run (of its shard)
  std::size_t start = 0;              // where the model started (after a resumed journal)
  // tracks.txt's text for the run's outputs: the tracker's output over the dataset's one sequence.
  // Null without a tracker, or for frames of several sequences (MOT results hold one sequence;
  // a note on stderr says it is not written).
  const std::string* tracks_text() const;
};

// Runs the model over the images into `evaluators` (make_evaluators: built by the caller before
// the model loads, so that a bad metric fails first). The model's class names are mapped onto the dataset's
// categories (warnings on stderr for what does not map). Throws ds::Error; a Python model's own
// exceptions pass through.
Evaluation run_evaluation(const EvaluationRequest& request, std::vector<std::unique_ptr<Evaluator>> evaluators);

// A shard's files in `dir` (evaluate --shard, the Ray engine's workers): detections.json,
// shard.json and, for the metrics that can (COCO's), records.METRIC.bin, which merge accumulates
// (an earlier run's records of a metric that has none this time are removed).
void publish_shard(const std::filesystem::path& dir, const RunConfig& cfg, const Evaluation& evaluation,
                   const ShardInfo& info);

// A model that gives no keypoints under iou_type keypoints: one line saying so, rather than the
// evaluator's complaint about a detection.
void check_keypoints_given(const Evaluation& evaluation, const RunConfig& cfg);

}  // namespace ds::cli
