#include "app/commands/scored_run.hpp"

#include <chrono>

#include "core/eval/analysis/per_image.hpp"
#include "core/eval/per_class_csv.hpp"
#include "core/util/json_writer.hpp"
#include "core/util/publish.hpp"
#include "core/util/text.hpp"
#include "formats/coco/coco_json.hpp"
#include "pipeline/report/candidate_crops.hpp"
#include "pipeline/report/gallery.hpp"
#include "pipeline/report/html_report.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

Scores score_run(pipeline::EvaluationSink& scoring) {
  const auto start = std::chrono::steady_clock::now();
  Scores s{scoring.evaluate()};
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

std::string scored_run_metrics(const ScoredRun& run, const Scores& scores, pipeline::ModelHost& host) {
  const pipeline::EvaluationSink& scoring = run.scoring;
  JsonFields facts = {
      {"config", json_string(fs::absolute(run.config).lexically_normal().string())},
      {"model", json_string(run.model_name)},
      // No model config: a Python model (ds.evaluate).
      {"model_config", json_string(run.model_config.empty() ? "(a Python model: ds.evaluate)"
                                                             : fs::absolute(run.model_config).lexically_normal().string())},
      {"dataset", json_string(run.dataset.source)},
      {"images", std::to_string(scoring.images())},
      {"resumed_from", std::to_string(run.resumed_from)},
      {"detections", std::to_string(scoring.detections().size())},
      {"inference_seconds", format_double(run.stats.model_seconds)},
      {"evaluation_seconds", format_double(scores.seconds)},
      {"timings", pipeline::timings_json(run.stats)},
  };
  JsonWriter skipped;
  skipped.begin_array();
  for (const std::string& s : run.stats.skipped) skipped.value(s);
  skipped.end_array();
  facts.emplace_back("skipped_images", skipped.take());
  JsonWriter class_mapping;
  class_mapping.begin_object().key("unmapped_model_classes").begin_array();
  for (const std::string& c : run.mapping.unmapped_model_classes) class_mapping.value(c);
  class_mapping.end_array().key("categories_without_model_class").begin_array();
  for (const std::string& c : run.mapping.uncovered_categories) class_mapping.value(c);
  class_mapping.end_array().field("dropped_detections", static_cast<std::int64_t>(scoring.dropped())).end_object();
  facts.emplace_back("class_mapping", class_mapping.take());
  facts.emplace_back("versions", pipeline::versions_json(host.python()));
  return metrics_document(facts, scores.metrics);
}

void publish_scored_run(const fs::path& out_dir, const ScoredRun& run, const Scores& scores,
                        pipeline::ModelHost& host) {
  const pipeline::EvaluationSink& scoring = run.scoring;
  // The report's pictures: the images with the most errors, drawn as render draws them.
  const analysis::WorstImages worst =
      analysis::find_worst_images(run.dataset, scoring.image_ids(), scoring.detections(), run.options);
  const std::string gallery = pipeline::gallery_json(
      run.dataset, scoring.detections(), worst.image_ids,
      {.score_threshold = worst.score_threshold, .iou = run.options.analysis_iou, .model = run.model_name,
       .overlap = analysis::Overlap::of(run.options)});
  std::string metrics = scored_run_metrics(run, scores, host);
  std::optional<std::string> per_class = per_class_csv(metrics);
  // The pictures of ranked candidates (likely label errors) join the gallery.
  std::string pictures = pipeline::with_candidate_crops(gallery, metrics, run.dataset, scoring.detections());
  OutputFiles files = {{"detections.json", coco::results_json(scoring.detections())},
                       {"metrics.json", std::move(metrics)},
                       {"gallery.json", std::move(pictures)}};
  if (per_class) files.emplace_back(kPerClassCsv, std::move(*per_class));
  if (run.tracks) files.emplace_back("tracks.txt", *run.tracks);
  else fs::remove(out_dir / "tracks.txt");  // an earlier tracked run's, not this one's
  publish_files(out_dir, files);
}

}  // namespace ds::cli
