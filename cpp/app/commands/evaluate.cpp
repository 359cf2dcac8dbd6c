// `evaluate`: run a model over a dataset through the pipeline and score it.
#include <iostream>

#include "app/cli/interrupted.hpp"
#include "app/cli/report.hpp"
#include "app/commands/evaluate_ray.hpp"
#include "app/commands/evaluation_run.hpp"
#include "app/commands/export_label_errors.hpp"
#include "app/commands/export_objects.hpp"
#include "app/commands/scored_run.hpp"
#include "app/commands/commands.hpp"
#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_writer.hpp"
#include "core/util/publish.hpp"
#include "core/eval/run_evaluators.hpp"
#include "core/eval/shards.hpp"
#include "core/util/text.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/format.hpp"
#include "pipeline/models.hpp"
#include "pipeline/run.hpp"
#include "pipeline/report/html_report.hpp"

namespace fs = std::filesystem;

namespace ds::cli {
namespace {

// The run config, the model config and every file the model config names (a value that is
// the path of an existing file beside it: weights, class names, a user's .py module).
std::string run_fingerprint(const fs::path& config, const fs::path& model) {
  std::vector<fs::path> files = {config, model};
  const ConfigNode root = ConfigNode::load(model);
  const auto walk = [&](const auto& self, const YAML::Node& node) -> void {
    if (node.IsMap()) {
      for (const auto& kv : node) self(self, kv.second);
    } else if (node.IsSequence()) {
      for (const auto& v : node) self(self, v);
    } else if (node.IsScalar()) {
      const std::string value = node.Scalar();
      if (value.empty() || value.size() > 4096) return;
      std::error_code ec;
      const fs::path file = resolve_relative_to(model, value);
      if (fs::is_regular_file(file, ec)) files.push_back(file);
    }
  };
  walk(walk, root.node());
  return files_fingerprint(files);
}

}  // namespace

int run_evaluate(const ParsedArgs& args) {
  const fs::path config_path = args.positional.at(0);
  const RunConfig cfg = load_run_config(config_path);
  fs::path model;
  if (const auto m = args.get("--model")) {
    model = *m;
  } else if (cfg.model) {
    model = *cfg.model;
  } else {
    throw Error(config_path.string() + ": model: missing (or give --model MODEL.yaml)");
  }
  // Another model than the config's writes a folder of its own: swapping models never
  // overwrites the config's run (runs/<run config>/<model config>/).
  const bool swapped = args.get("--model") && !(cfg.model && same_file(*cfg.model, model));
  const fs::path out_dir = args.get("--output") ? fs::path(*args.get("--output"))
                           : swapped            ? cfg.output / model.stem()
                                                : cfg.output;
  const std::int64_t limit = args.get_int("--limit", 0);
  if (limit < 0) throw UsageError("--limit must be 0 (all) or more");
  const std::int64_t batch = args.get_int("--batch-size", 0);
  if (batch < 0) throw UsageError("--batch-size must be 1 or more");
  pipeline::check_model_config(model);  // a broken model config fails here, before Python starts
  const bool resume = args.has("--resume");
  const std::optional<ShardSpec> shard =
      args.get("--shard") ? std::optional<ShardSpec>(parse_shard(*args.get("--shard"))) : std::nullopt;
  if (args.has("--serve-shards")) {
    for (const char* other : {"--shard", "--resume", "--engine", "--output", "--export-objects", "--export-label-errors"})
      if (args.has(other)) throw UsageError(std::string("--serve-shards takes its shards and folders on stdin: leave out ") + other);
  }

  Dataset dataset = load_dataset(cfg.dataset, {.masks = cfg.reads_masks()});
  const std::size_t total = limit > 0 ? std::min<std::size_t>(static_cast<std::size_t>(limit), dataset.images.size())
                                      : dataset.images.size();
  if (total == 0) throw Error(cfg.dataset.file().string() + ": the dataset has no images");
  // What the journal (and a shard's shard.json) is of: a resumed run must be the same run, down to
  // what shapes its detections (the configs' text, the files the model config names: weights,
  // class names); merged shards must be of the same run.
  const std::string run_identity_base = fs::absolute(config_path).lexically_normal().string() + "|" +
                          fs::absolute(model).lexically_normal().string() + "|" + dataset.source + "|" +
                          std::to_string(total) + "|" + std::to_string(batch) + "|" + run_fingerprint(config_path, model);
  if (args.has("--serve-shards")) return serve_shards(args, {cfg, model, dataset, total, batch, run_identity_base});
  // Before the model loads: the outputs can be written, and overwrite none of the inputs.
  check_output_dir(out_dir, {"detections.json", "metrics.json", "per_class.csv", "gallery.json", "report.html", "journal.jsonl", "shard.json", "tracks.txt"},
                   {config_path, model, cfg.dataset.file(), fs::path(dataset.source)});
  std::vector<ExportGuard> guards = {{"the run config", config_path}, {"the model config", model},
                                     {"the dataset config", cfg.dataset.file()}, {"the dataset", fs::path(dataset.source)}};
  for (const char* f : {"detections.json", "metrics.json", "per_class.csv", "gallery.json", "report.html", "journal.jsonl", "shard.json", "tracks.txt"})
    guards.emplace_back((out_dir / f).string() + ", an output of the run", out_dir / f);
  const EvaluatorOptions eval_options = evaluator_options(cfg);
  const std::optional<ObjectExport> export_objects = object_export(args, eval_options.analysis_iou, guards);
  if (export_objects) guards.emplace_back("the --export-objects file", export_objects->path);
  const std::optional<LabelErrorExport> export_label_errors = label_error_export(args, guards);
  if ((export_objects || export_label_errors) && (shard || args.get("--engine").value_or("local") != "local"))
    throw UsageError(std::string(export_objects ? "--export-objects" : "--export-label-errors") +
                     " applies to a whole local run: leave out --shard and --engine");
  // One run per output folder at a time, for the run's whole life.
  const OutputLock lock(out_dir);
  if (const auto engine = args.get("--engine"); engine && *engine != "local") {
    if (*engine != "ray") throw UsageError("--engine: unknown engine '" + *engine + "' (local or ray)");
    if (shard || resume) throw UsageError("--engine ray runs the shards itself: leave out --shard and --resume");
    return run_evaluate_on_ray(args, {config_path, model, out_dir, total, batch, std::move(dataset)});
  }
  std::vector<std::unique_ptr<Evaluator>> evaluators = make_evaluators(cfg, dataset);

  const std::string run_identity =
      shard ? run_identity_base + "|shard " + std::to_string(shard->index) + "/" + std::to_string(shard->count) : run_identity_base;
  const fs::path journal_path = out_dir / "journal.jsonl";
  std::optional<pipeline::JournalReplay> replay;
  if (resume) {
    replay = pipeline::read_journal(journal_path, run_identity);
    fs::resize_file(journal_path, replay->whole_bytes);  // a torn last batch is redone
  }

  pipeline::ModelHost host(args.verbose());
  pipeline::Models models({[&] { return host.load(model); }});
  Evaluation run = run_evaluation({.cfg = cfg,
                                   .dataset = dataset,
                                   .models = models,
                                   .total = total,
                                   .batch = static_cast<std::size_t>(batch),
                                   .skip_bad = args.has("--skip-bad"),
                                   .shard = shard,
                                   .journal = journal_path,
                                   .run_identity = run_identity,
                                   .replay = replay ? &*replay : nullptr},
                                  std::move(evaluators));
  pipeline::Stats& stats = run.stats;
  const pipeline::EvaluationSink& scoring = *run.scoring;
  const std::string& model_name = run.model_name;
  const auto [first, end, start] = std::tuple(run.first, run.end, run.start);
  if (stats.interrupted_by != 0) {
    stats.frames += start - first;
    return report_interrupted(stats, end - first, true);
  }
  if (shard) {
    // Detections only: `merge` scores the shards together.
    run.journal->remove();
    publish_shard(out_dir, cfg, run, {*shard, run_identity_base, first, end, total, stats.skipped, run.scoring->skipped_ids()});
    std::cout << "shard " << shard->index << "/" << shard->count << ": images " << first << ".." << end << " of "
              << total << ", " << scoring.detections().size() << " detections; " << pipeline::timings_line(stats)
              << "\nwrote " << (out_dir / "detections.json").string() << " and " << (out_dir / "shard.json").string()
              << " (score them together with detection-studio merge)\n";
    return 0;
  }

  check_keypoints_given(run, cfg);
  const Scores scores = score_run(*run.scoring);
  publish_scored_run(out_dir, {config_path, model, model_name, dataset, scoring, run.mapping, stats, eval_options, start, run.tracks_text()},
                     scores, host);
  run.journal->remove();  // once the results are there
  if (export_objects)
    write_object_export(*export_objects, dataset, scoring.image_ids(), scoring.detections(), eval_options);
  if (export_label_errors)
    write_label_error_export(*export_label_errors, dataset, scoring.image_ids(), scoring.detections(), eval_options,
                             cfg.dataset.file());

  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f",
                stats.model_seconds > 0 ? static_cast<double>(stats.frames) / stats.model_seconds : 0.0);
  std::cout << "model " << model_name << " on " << scoring.images() << " images (" << dataset.source << "), "
            << scoring.detections().size() << " detections, " << rate << " images/s in the model\n"
            << pipeline::timings_line(stats) << "\n";
  if (!stats.skipped.empty()) {
    std::cout << "skipped " << stats.skipped.size() << " unreadable images (--skip-bad; not scored):\n";
    for (std::size_t i = 0; i < stats.skipped.size() && i < 10; ++i) std::cout << "  " << stats.skipped[i] << "\n";
  }
  const auto& dets = scoring.detections();
  if (cfg.reads_masks() && !dets.empty() &&
      std::none_of(dets.begin(), dets.end(), [](const Detection& d) { return d.segmentation != nullptr; }))
    std::cout << "note: " << model_name << " gives no masks: segm scores its boxes as masks (as pycocotools does for "
              << "results without 'segmentation')\n";
  std::cout << "\n";
  for (const Metrics& m : scores.metrics) std::cout << m.text;
  pipeline::write_html_report(host.python(), {out_dir / "metrics.json"}, out_dir / "report.html");
  if (fs::exists(out_dir / "tracks.txt") && run.tracking) std::cout << "\nwrote " << (out_dir / "tracks.txt").string() << " (MOTChallenge results)";
  std::cout << "\nwrote " << (out_dir / "detections.json").string() << ", " << (out_dir / "metrics.json").string()
            << " and " << (out_dir / "report.html").string() << "\n";
  return 0;
}

}  // namespace ds::cli
