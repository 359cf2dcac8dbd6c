// `evaluate`: run a model over a dataset through the embedded Python inferencer and score it.
#include <chrono>
#include <iostream>

#include "app/cli/progress.hpp"
#include "app/cli/report.hpp"
#include "app/commands/commands.hpp"
#include "core/classes/class_map.hpp"
#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_writer.hpp"
#include "core/util/text.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/format.hpp"
#include "host/inferencer.hpp"
#include "host/python_runtime.hpp"
#include "vision/image_io.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

int run_evaluate(const ParsedArgs& args) {
  const fs::path config_path = args.positional.at(0);
  const RunConfig cfg = load_run_config(config_path);
  fs::path model;
  if (const auto m = args.get("--model")) {
    model = *m;
    std::error_code ec;
    if (!fs::exists(model, ec)) throw Error(model.string() + ": model config not found (--model)");
  } else if (cfg.model) {
    model = *cfg.model;
  } else {
    throw Error(config_path.string() + ": model: missing (or give --model MODEL.yaml)");
  }
  const fs::path out_dir = args.get("--output") ? fs::path(*args.get("--output")) : cfg.output;
  const std::int64_t limit = args.get_int("--limit", 0);
  if (limit < 0) throw UsageError("--limit must be 0 (all) or more");
  model_module(model);  // a broken model config fails here, before Python starts

  const Dataset dataset = load_dataset(cfg.dataset);
  std::vector<const Image*> images;
  for (const Image& im : dataset.images) {
    if (limit > 0 && images.size() >= static_cast<std::size_t>(limit)) break;
    images.push_back(&im);
  }
  if (images.empty()) throw Error(cfg.dataset.file().string() + ": the dataset has no images");

  host::PythonRuntime python(args.verbose());
  const auto inferencer = host::load_inferencer(model, python);
  const ClassMapping mapping = map_classes(inferencer->class_names(), dataset.categories, cfg.class_map);
  for (const std::string& c : mapping.unmapped_model_classes)
    std::cerr << "warning: model class '" << c << "' matches no dataset category; its detections are not scored (add it to class_map:)\n";
  for (const std::string& c : mapping.uncovered_categories)
    std::cerr << "warning: dataset category '" << c << "' has no model class\n";

  std::vector<std::unique_ptr<Evaluator>> evaluators;
  for (const std::string& name : cfg.metrics) evaluators.push_back(make_evaluator(name, dataset));

  const std::size_t batch_size = static_cast<std::size_t>(
      std::max<std::int64_t>(1, args.get_int("--batch-size", inferencer->batch_size())));
  std::vector<fs::path> paths;
  for (const Image* im : images) paths.push_back(dataset.image_dir / im->file_name);
  vision::ImagePrefetcher prefetch(paths, 2 * batch_size);

  std::vector<Detection> all;
  std::size_t dropped = 0, done = 0;
  double infer_seconds = 0;
  Progress progress("evaluating " + inferencer->name(), images.size());
  std::vector<cv::Mat> batch;
  std::vector<const Image*> batch_images;
  const auto flush = [&] {
    if (batch.empty()) return;
    const auto t0 = std::chrono::steady_clock::now();
    const auto results = inferencer->infer(batch);
    infer_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::vector<Detection> dets = host::to_detections(batch_images[i]->id, results[i], mapping, dropped);
      for (const auto& e : evaluators) e->process(*batch_images[i], dets);
      all.insert(all.end(), dets.begin(), dets.end());
    }
    done += batch.size();
    progress.update(done);
    batch.clear();
    batch_images.clear();
  };
  while (auto item = prefetch.next()) {
    if (!item->error.empty()) throw Error(item->error);
    batch.push_back(std::move(item->image));
    batch_images.push_back(images[item->index]);
    if (batch.size() >= batch_size) flush();
  }
  flush();
  progress.finish();

  std::vector<Metrics> metrics;
  for (const auto& e : evaluators) metrics.push_back(e->evaluate());

  JsonFields facts = {
      {"config", json_string(fs::absolute(config_path).lexically_normal().string())},
      {"model", json_string(inferencer->name())},
      {"model_config", json_string(fs::absolute(model).lexically_normal().string())},
      {"dataset", json_string(dataset.source)},
      {"images", std::to_string(images.size())},
      {"detections", std::to_string(all.size())},
      {"inference_seconds", format_double(infer_seconds)},
  };
  JsonWriter class_mapping;
  class_mapping.begin_object().key("unmapped_model_classes").begin_array();
  for (const std::string& c : mapping.unmapped_model_classes) class_mapping.value(c);
  class_mapping.end_array().key("categories_without_model_class").begin_array();
  for (const std::string& c : mapping.uncovered_categories) class_mapping.value(c);
  class_mapping.end_array().field("dropped_detections", static_cast<std::int64_t>(dropped)).end_object();
  facts.emplace_back("class_mapping", class_mapping.take());
  write_file_atomic(out_dir / "detections.json", coco::results_json(all));
  write_file_atomic(out_dir / "metrics.json", metrics_document(facts, metrics));

  std::cout << "model " << inferencer->name() << " on " << images.size() << " images ("
            << dataset.source << "), " << all.size() << " detections, "
            << (infer_seconds > 0 ? static_cast<double>(images.size()) / infer_seconds : 0.0)
            << " images/s in the model\n\n";
  for (const Metrics& m : metrics) std::cout << m.text;
  std::cout << "\nwrote " << (out_dir / "detections.json").string() << " and "
            << (out_dir / "metrics.json").string() << "\n";
  return 0;
}

}  // namespace ds::cli
