#pragma once
// What evaluate and compare write for one model on one dataset: detections.json, metrics.json
// (run facts, then every evaluator's fields) and gallery.json, published together.
#include <filesystem>
#include <string>
#include <vector>

#include "app/cli/report.hpp"
#include "core/classes/class_map.hpp"
#include "core/eval/evaluator.hpp"
#include "pipeline/models.hpp"
#include "pipeline/run.hpp"
#include "pipeline/sinks/evaluation.hpp"

namespace ds::cli {

struct ScoredRun {
  std::filesystem::path config, model_config;
  std::string model_name;
  const Dataset& dataset;
  const pipeline::EvaluationSink& scoring;
  const ClassMapping& mapping;
  const pipeline::Stats& stats;
  const EvaluatorOptions& options;
  std::size_t resumed_from = 0;
  const std::string* tracks = nullptr;  // tracks.txt's text (a run with a tracker), written beside the others
};

// Scores the run (every evaluator), timing it. The metrics' text is for the terminal.
struct Scores {
  std::vector<Metrics> metrics;
  double seconds = 0;
};
Scores score_run(pipeline::EvaluationSink& scoring);

// metrics.json's text: the run's facts (config, model, images, timings, versions, ...), then
// every evaluator's fields.
std::string scored_run_metrics(const ScoredRun& run, const Scores& scores, pipeline::ModelHost& host);

// Writes the three files into out_dir, all or none.
void publish_scored_run(const std::filesystem::path& out_dir, const ScoredRun& run, const Scores& scores,
                        pipeline::ModelHost& host);

}  // namespace ds::cli
