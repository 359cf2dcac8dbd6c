// `evaluate`: run a model over a dataset through the pipeline and score it.
#include <iostream>

#include "app/cli/interrupted.hpp"
#include "app/cli/progress.hpp"
#include "app/cli/report.hpp"
#include "app/commands/commands.hpp"
#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_writer.hpp"
#include "core/util/text.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/format.hpp"
#include "pipeline/models.hpp"
#include "pipeline/run.hpp"
#include "pipeline/sinks/evaluation.hpp"
#include "pipeline/sources/image_files.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

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
  const fs::path out_dir = args.get("--output") ? fs::path(*args.get("--output")) : cfg.output;
  const std::int64_t limit = args.get_int("--limit", 0);
  if (limit < 0) throw UsageError("--limit must be 0 (all) or more");
  const std::int64_t batch = args.get_int("--batch-size", 0);
  if (batch < 0) throw UsageError("--batch-size must be 1 or more");
  pipeline::check_model_config(model);  // a broken model config fails here, before Python starts

  const Dataset dataset = load_dataset(cfg.dataset);
  const auto source = pipeline::dataset_source(dataset, static_cast<std::size_t>(limit));
  if (source->size() == 0) throw Error(cfg.dataset.file().string() + ": the dataset has no images");
  std::vector<std::unique_ptr<Evaluator>> evaluators;
  for (const std::string& name : cfg.metrics) evaluators.push_back(make_evaluator(name, dataset));

  pipeline::ModelHost host(args.verbose());
  pipeline::Models models({[&] { return host.load(model); }});
  pipeline::Detector& detector = models.current();
  const ClassMapping mapping = detector.map_to(dataset.categories, cfg.class_map);
  for (const std::string& c : mapping.unmapped_model_classes)
    std::cerr << "warning: model class '" << c << "' matches no dataset category; its detections are not scored (add it to class_map:)\n";
  for (const std::string& c : mapping.uncovered_categories)
    std::cerr << "warning: dataset category '" << c << "' has no model class\n";
  const std::string model_name = detector.name();

  pipeline::EvaluationSink scoring(std::move(evaluators), mapping);
  Progress progress("evaluating " + model_name, source->size());
  pipeline::Sink* sinks[] = {&scoring};
  const pipeline::Stats stats = pipeline::run(*source, models, sinks,
                                              {.batch_size = static_cast<std::size_t>(batch),
                                               .skip_bad = args.has("--skip-bad"),
                                               .progress = [&](std::size_t n) { progress.update(n); }});
  progress.finish();
  if (stats.interrupted_by != 0) return report_interrupted(stats, source->size());

  const std::vector<Metrics> metrics = scoring.evaluate();
  JsonFields facts = {
      {"config", json_string(fs::absolute(config_path).lexically_normal().string())},
      {"model", json_string(model_name)},
      {"model_config", json_string(fs::absolute(model).lexically_normal().string())},
      {"dataset", json_string(dataset.source)},
      {"images", std::to_string(scoring.images())},
      {"detections", std::to_string(scoring.detections().size())},
      {"inference_seconds", format_double(stats.model_seconds)},
      {"timings", pipeline::timings_json(stats)},
  };
  JsonWriter skipped;
  skipped.begin_array();
  for (const std::string& s : stats.skipped) skipped.value(s);
  skipped.end_array();
  facts.emplace_back("skipped_images", skipped.take());
  JsonWriter class_mapping;
  class_mapping.begin_object().key("unmapped_model_classes").begin_array();
  for (const std::string& c : mapping.unmapped_model_classes) class_mapping.value(c);
  class_mapping.end_array().key("categories_without_model_class").begin_array();
  for (const std::string& c : mapping.uncovered_categories) class_mapping.value(c);
  class_mapping.end_array().field("dropped_detections", static_cast<std::int64_t>(scoring.dropped())).end_object();
  facts.emplace_back("class_mapping", class_mapping.take());
  write_file_atomic(out_dir / "detections.json", coco::results_json(scoring.detections()));
  write_file_atomic(out_dir / "metrics.json", metrics_document(facts, metrics));

  std::cout << "model " << model_name << " on " << scoring.images() << " images (" << dataset.source << "), "
            << scoring.detections().size() << " detections, "
            << (stats.model_seconds > 0 ? static_cast<double>(stats.frames) / stats.model_seconds : 0.0)
            << " images/s in the model\n"
            << pipeline::timings_line(stats) << "\n";
  if (!stats.skipped.empty()) {
    std::cout << "skipped " << stats.skipped.size() << " unreadable images (--skip-bad; not scored):\n";
    for (std::size_t i = 0; i < stats.skipped.size() && i < 10; ++i) std::cout << "  " << stats.skipped[i] << "\n";
  }
  std::cout << "\n";
  for (const Metrics& m : metrics) std::cout << m.text;
  std::cout << "\nwrote " << (out_dir / "detections.json").string() << " and "
            << (out_dir / "metrics.json").string() << "\n";
  return 0;
}

}  // namespace ds::cli
