#include "app/commands/evaluate_python.hpp"

#include "app/commands/evaluation_run.hpp"
#include "app/commands/scored_run.hpp"
#include "core/eval/run_evaluators.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/publish.hpp"
#include "formats/format.hpp"
#include "pipeline/python_detector.hpp"
#include "pipeline/report/html_report.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

PythonRun evaluate_for_python(const PythonEvaluation& r) {
  RunConfig cfg = load_run_config(r.config);
  if (r.metrics) cfg.metrics = *r.metrics;
  if (r.analyses) cfg.analyses = *r.analyses;
  const bool python_model = static_cast<bool>(r.python_model);
  fs::path model = r.model_config;
  if (!python_model && model.empty()) {
    if (!cfg.model) throw Error(r.config.string() + ": model: missing (or give model=)");
    model = *cfg.model;
  }
  if (!python_model) pipeline::check_model_config(model);
  const auto shared_dataset = std::make_shared<const Dataset>(load_dataset(cfg.dataset, {.masks = cfg.reads_masks()}));
  const Dataset& dataset = *shared_dataset;
  const std::size_t total = r.limit > 0 ? std::min(r.limit, dataset.images.size()) : dataset.images.size();
  if (total == 0) throw Error(cfg.dataset.file().string() + ": the dataset has no images");
  std::optional<OutputLock> lock;
  if (r.output) {
    std::vector<fs::path> inputs = {r.config, cfg.dataset.file(), fs::path(dataset.source)};
    if (!python_model) inputs.push_back(model);
    check_output_dir(*r.output, {"detections.json", "metrics.json", "per_class.csv", "gallery.json", "report.html", "journal.jsonl", "tracks.txt"},
                     inputs);
    lock.emplace(*r.output);
  }
  const EvaluatorOptions eval_options = evaluator_options(cfg);
  std::vector<std::unique_ptr<Evaluator>> evaluators = make_evaluators(cfg, dataset);

  pipeline::ModelHost host(false);
  pipeline::Models models({[&]() -> std::unique_ptr<pipeline::Detector> {
    if (python_model) return pipeline::python_detector(r.python_model, r.model_name, r.class_names, r.batch_size);
    return host.load(model);
  }});
  const std::string model_label = python_model ? "python:" + r.model_name : fs::absolute(model).lexically_normal().string();
  const std::string identity = fs::absolute(r.config).lexically_normal().string() + "|" + model_label + "|" +
                               dataset.source + "|" + std::to_string(total) + "|" + std::to_string(r.batch_size);
  Evaluation run = run_evaluation({.cfg = cfg,
                                   .dataset = dataset,
                                   .models = models,
                                   .total = total,
                                   .batch = r.batch_size,
                                   .skip_bad = r.skip_bad,
                                   .journal = r.output ? std::optional(*r.output / "journal.jsonl") : std::nullopt,
                                   .run_identity = identity,
                                   .progress = r.progress,
                                   // Ctrl-C: Python's handler only notes the signal; asking after
                                   // every batch stops models that run no Python code (libtorch)
                                   // too, with KeyboardInterrupt.
                                   .after_batch = [] {
                                     if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
                                   }},
                                  std::move(evaluators));
  check_keypoints_given(run, cfg);
  const Scores scores = score_run(*run.scoring);
  const ScoredRun scored{r.config, python_model ? fs::path() : model, run.model_name, dataset, *run.scoring,
                         run.mapping, run.stats, eval_options, 0, run.tracks_text()};
  PythonRun out{scored_run_metrics(scored, scores, host), {}, run.scoring->detections(), shared_dataset,
                run.scoring->image_ids(), eval_options};
  for (const Metrics& m : scores.metrics) out.text += m.text;
  if (r.output) {
    publish_scored_run(*r.output, scored, scores, host);
    run.journal->remove();
    pipeline::write_html_report(host.python(), {*r.output / "metrics.json"}, *r.output / "report.html");
  }
  return out;
}

std::pair<analysis::ApDifference, std::string> compare_python_runs(const PythonRun& run, const PythonRun& baseline,
                                                                   std::size_t samples, std::uint64_t seed) {
  if (run.dataset->source != baseline.dataset->source || run.image_ids != baseline.image_ids)
    throw Error("compare: the runs are not of the same images (" + run.dataset->source + ", " +
                std::to_string(run.image_ids.size()) + " images; " + baseline.dataset->source + ", " +
                std::to_string(baseline.image_ids.size()) + " images)");
  const auto overlap = analysis::Overlap::of(baseline.options);
  return {analysis::paired_bootstrap_ap(*baseline.dataset, baseline.image_ids, baseline.detections, run.detections,
                                        samples, seed, overlap),
          analysis::bootstrapped_metric(overlap)};
}

}  // namespace ds::cli
