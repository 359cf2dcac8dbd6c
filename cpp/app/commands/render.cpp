// `render`: the viewer's pictures written to image files, headless (no display needed).
#include <iostream>

#include "app/cli/interrupted.hpp"
#include "app/cli/progress.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/view_options.hpp"
#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "core/util/text.hpp"
#include "formats/format.hpp"
#include "pipeline/models.hpp"
#include "pipeline/run.hpp"
#include "pipeline/sinks/render.hpp"
#include "pipeline/sources/image_files.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

int run_render(const ParsedArgs& args) {
  const viewer::SessionOptions options = session_options(args);
  if (options.models.size() > 1) throw UsageError("render takes one --model (run it once per model)");
  const auto out_dir = args.get("--output");
  if (!out_dir) throw UsageError("--output DIR is required");
  const std::string format = to_lower(args.get("--format").value_or("png"));
  if (format != "png" && format != "jpg" && format != "jpeg") throw UsageError("--format must be png or jpg");
  const double threshold = score_threshold(args);

  const RunConfig cfg = load_run_config(options.config);
  std::optional<fs::path> model;
  std::optional<fs::path> results = options.results;
  std::error_code ec;
  if (!results && options.models.empty() && fs::is_regular_file(cfg.output / "detections.json", ec)) {
    // The run was evaluated: draw what it scored rather than running the model again.
    results = cfg.output / "detections.json";
    std::cerr << "render: drawing " << results->string() << " (the run's detections); --model MODEL.yaml runs a model instead\n";
  }
  if (!results) {
    if (!options.models.empty()) model = options.models.front();
    else if (cfg.model) model = *cfg.model;
    else throw Error(options.config.string() + ": model: missing (give --model MODEL.yaml or --results DETECTIONS.json)");
    pipeline::check_model_config(*model);
  }
  const Dataset dataset = load_dataset(cfg.dataset, {.masks = true});  // drawn when the dataset has them
  const auto source = pipeline::dataset_source(dataset, options.limit);
  if (source->size() == 0) throw Error(cfg.dataset.file().string() + ": the dataset has no images");

  pipeline::ModelHost host(options.verbose);
  std::vector<pipeline::Models::Loader> loaders;
  if (results) loaders.push_back([&] { return pipeline::saved_detector(*results, dataset, cfg.class_map); });
  else loaders.push_back([&] { return host.load(*model); });
  pipeline::Models models(std::move(loaders));
  const std::string name = models.current().name();  // loads it now: a broken model fails here

  pipeline::RenderSink sink(dataset, cfg.class_map,
                            {.output = fs::path(*out_dir),
                             .extension = format == "png" ? ".png" : ".jpg",
                             .score_threshold = threshold,
                             .errors_only = args.has("--errors-only"),
                             .overlap = pipeline::frame_overlap(cfg, options.matching, dataset),
                             .count = source->size(),
                             .verbose = args.verbose()});
  Progress progress("rendering " + name, source->size());
  pipeline::Sink* sinks[] = {&sink};
  const pipeline::Stats stats = pipeline::run(*source, models, sinks,
                                              {.skip_bad = args.has("--skip-bad"),
                                               .progress = [&](std::size_t n) { progress.update(n); }});
  progress.finish();
  if (stats.interrupted_by != 0) {
    std::cout << "wrote " << sink.written << " images to " << *out_dir << " before the interrupt\n";
    return report_interrupted(stats, source->size());
  }
  std::cout << "wrote " << sink.written << " images to " << *out_dir << " (" << name << ", score >= " << threshold
            << ": TP " << sink.true_positives << ", FP " << sink.false_positives << ", missed " << sink.missed << ")\n";
  if (!stats.skipped.empty()) std::cout << "skipped " << stats.skipped.size() << " unreadable images (--skip-bad)\n";
  if (args.verbose()) std::cerr << pipeline::timings_line(stats) << "\n";
  return 0;
}

}  // namespace ds::cli
