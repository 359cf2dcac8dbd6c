// `compare`: every model on every run config's dataset, each model loaded once; one table, one
// report, and whether the AP differences are more than noise (paired bootstrap over images).
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "app/cli/interrupted.hpp"
#include "app/cli/progress.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/scored_run.hpp"
#include "core/config/run_config.hpp"
#include "core/eval/analysis/paired_bootstrap.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_writer.hpp"
#include "core/util/publish.hpp"
#include "formats/format.hpp"
#include "pipeline/report/html_report.hpp"
#include "pipeline/sources/image_files.hpp"

namespace fs = std::filesystem;

namespace ds::cli {
namespace {

constexpr const char* kColumns[] = {"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100"};

struct Row {
  std::string dataset, model;
  std::map<std::string, double> numbers;
  double images_per_second = 0, ms_per_image = 0;
  fs::path metrics;
  std::vector<Detection> detections;
  std::vector<std::int64_t> image_ids;
  std::size_t dataset_index = 0;
};

// Folder names from file stems, made unique (val, val-2, ...).
std::vector<std::string> unique_stems(const std::vector<fs::path>& files) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const fs::path& f : files) {
    std::string name = f.stem().string();
    for (int n = 2; seen.contains(name); ++n) name = f.stem().string() + "-" + std::to_string(n);
    seen.insert(name);
    out.push_back(name);
  }
  return out;
}

std::string number(double v, const char* format = "%.4f") {
  if (v < 0) return "";
  char b[32];
  std::snprintf(b, sizeof b, format, v);
  return b;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string value_of(const Row& r, const std::string& key) {
  const auto it = r.numbers.find(key);
  return it == r.numbers.end() ? "" : number(it->second);
}

std::string comparison_csv(const std::vector<Row>& rows) {
  std::string out = "dataset,model";
  for (const char* c : kColumns) out += std::string(",") + c;
  out += ",best_f1_threshold,images_per_second,ms_per_image\n";
  for (const Row& r : rows) {
    out += csv_field(r.dataset) + "," + csv_field(r.model);
    for (const char* c : kColumns) out += "," + value_of(r, c);
    out += "," + value_of(r, "best_f1_score") + "," + number(r.images_per_second, "%.2f") + "," +
           number(r.ms_per_image, "%.2f") + "\n";
  }
  return out;
}

struct Difference {
  std::size_t run, baseline;
  analysis::ApDifference d;
};

std::string comparison_md(const std::vector<Row>& rows, const std::vector<Difference>& diffs) {
  std::string out = "# Model comparison\n\n| dataset | model |";
  for (const char* c : kColumns) out += std::string(" ") + c + " |";
  out += " best-F1 threshold | images/s | ms/image |\n|---|---|";
  for (std::size_t i = 0; i < std::size(kColumns) + 3; ++i) out += "---:|";
  out += "\n";
  const auto cell = [](std::string s) {
    std::string o;
    for (const char c : s) o += c == '|' ? std::string("\\|") : std::string(1, c);
    return o;
  };
  for (const Row& r : rows) {
    out += "| " + cell(r.dataset) + " | " + cell(r.model) + " |";
    for (const char* c : kColumns) out += " " + value_of(r, c) + " |";
    out += " " + value_of(r, "best_f1_score") + " | " + number(r.images_per_second, "%.2f") + " | " +
           number(r.ms_per_image, "%.2f") + " |\n";
  }
  if (!diffs.empty()) {
    out += "\n## AP differences (paired bootstrap over images, 95% interval)\n\n"
           "| dataset | model | against | AP difference | 95% interval | samples |\n|---|---|---|---:|---|---:|\n";
    for (const Difference& d : diffs) {
      char b[160];
      std::snprintf(b, sizeof b, "%+.4f | [%+.4f, %+.4f] | %zu", d.d.observed, d.d.ci_low, d.d.ci_high, d.d.samples);
      out += "| " + cell(rows[d.run].dataset) + " | " + cell(rows[d.run].model) + " | " + cell(rows[d.baseline].model) +
             " | " + b + " |\n";
    }
  }
  return out;
}

std::string comparison_json(const std::vector<Difference>& diffs, std::size_t samples) {
  JsonWriter w(1);
  w.begin_object().field("baseline", std::int64_t{0}).field("metric", "AP");
  w.field("bootstrap_samples", static_cast<std::int64_t>(samples)).key("differences").begin_array();
  for (const Difference& d : diffs)
    w.begin_object()
        .field("run", static_cast<std::int64_t>(d.run))
        .field("baseline", static_cast<std::int64_t>(d.baseline))
        .field("observed", d.d.observed)
        .field("mean", d.d.mean)
        .field("ci_low", d.d.ci_low)
        .field("ci_high", d.d.ci_high)
        .field("samples", static_cast<std::int64_t>(d.d.samples))
        .end_object();
  w.end_array().end_object();
  return w.take() + "\n";
}

}  // namespace

int run_compare(const ParsedArgs& args) {
  const auto out_arg = args.get("--output");
  if (!out_arg) throw UsageError("--output DIR is required");
  const fs::path out_dir = *out_arg;
  std::vector<fs::path> models;
  for (const std::string& m : args.get_all("--model")) models.emplace_back(m);
  if (models.empty()) throw UsageError("give at least one --model MODEL.yaml");
  const std::int64_t limit = args.get_int("--limit", 0);
  if (limit < 0) throw UsageError("--limit must be 0 (all) or more");
  const std::int64_t samples = args.get_int("--bootstrap", 1000);
  if (samples < 0) throw UsageError("--bootstrap must be 0 (none) or more");

  // Everything that can be wrong is found before the first model loads.
  std::vector<fs::path> config_files;
  std::vector<RunConfig> configs;
  std::vector<Dataset> datasets;
  for (const std::string& c : args.positional) {
    config_files.emplace_back(c);
    configs.push_back(load_run_config(c));
  }
  for (const fs::path& m : models) pipeline::check_model_config(m);
  std::vector<fs::path> inputs = models;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    datasets.push_back(load_dataset(configs[i].dataset, {.masks = configs[i].reads_masks()}));
    if (datasets.back().images.empty()) throw Error(configs[i].dataset.file().string() + ": the dataset has no images");
    inputs.push_back(config_files[i]);
    inputs.push_back(configs[i].dataset.file());
    inputs.push_back(datasets.back().source);
  }
  check_output_dir(out_dir, {"comparison.csv", "comparison.md", "comparison.json", "report.html"}, inputs);
  const std::vector<std::string> dataset_dirs = unique_stems(config_files), model_dirs = unique_stems(models);

  pipeline::ModelHost host(args.verbose());
  pipeline::Models loaded = host.lazy(models);  // each loaded the first time it runs, then kept
  std::vector<Row> rows;
  for (std::size_t d = 0; d < configs.size(); ++d) {
    const RunConfig& cfg = configs[d];
    const Dataset& dataset = datasets[d];
    EvaluatorOptions options;
    options.analysis_iou = cfg.analysis_iou;
    options.keypoint_sigmas = cfg.keypoint_sigmas;
    options.score_threshold = cfg.score_threshold;
    const std::size_t total = limit > 0 ? std::min<std::size_t>(static_cast<std::size_t>(limit), dataset.images.size())
                                        : dataset.images.size();
    for (std::size_t m = 0; m < models.size(); ++m) {
      while (loaded.index() != m) loaded.next();
      pipeline::Detector& detector = loaded.current();
      const ClassMapping mapping = detector.map_to(dataset.categories, cfg.class_map);
      std::vector<std::unique_ptr<Evaluator>> evaluators;
      for (const std::string& name : cfg.metrics) evaluators.push_back(make_evaluator(name, dataset, options));
      if (!cfg.analyses.empty()) evaluators.push_back(make_analyses(dataset, cfg.analyses, options));
      pipeline::EvaluationSink scoring(std::move(evaluators), mapping);
      const auto source = pipeline::dataset_source(dataset, total, 0, {.keep_side = detector.max_input_side()});
      Progress progress(detector.name() + " on " + dataset_dirs[d], total);
      pipeline::Sink* sinks[] = {&scoring};
      const pipeline::Stats stats = pipeline::run(*source, loaded, sinks,
                                                  {.skip_bad = args.has("--skip-bad"),
                                                   .progress = [&](std::size_t n) { progress.update(n); }});
      progress.finish();
      if (stats.interrupted_by != 0) return report_interrupted(stats, total);
      const Scores scores = score_run(scoring);
      const fs::path run_dir = out_dir / dataset_dirs[d] / model_dirs[m];
      publish_scored_run(run_dir, {config_files[d], models[m], detector.name(), dataset, scoring, mapping, stats, options},
                         scores, host);
      Row row{dataset_dirs[d], detector.name(), {}, 0, 0, run_dir / "metrics.json", scoring.detections(),
              scoring.image_ids(), d};
      for (const Metrics& mt : scores.metrics)
        for (const auto& [k, v] : mt.numbers) row.numbers.emplace(k, v);
      row.images_per_second = stats.steady_seconds > 0 ? static_cast<double>(stats.steady_frames) / stats.steady_seconds
                                                        : (stats.wall_seconds > 0 ? static_cast<double>(stats.frames) / stats.wall_seconds : 0);
      row.ms_per_image = stats.frames > 0 ? 1000.0 * stats.model_seconds / static_cast<double>(stats.frames) : 0;
      std::cout << dataset_dirs[d] << " / " << row.model << ": AP " << value_of(row, "AP") << ", AP50 "
                << value_of(row, "AP50") << ", " << number(row.images_per_second, "%.1f") << " images/s\n";
      rows.push_back(std::move(row));
    }
  }

  // Each model against the first on the same dataset.
  std::vector<Difference> diffs;
  for (std::size_t r = 0; r < rows.size() && samples > 0; ++r) {
    const std::size_t base = rows[r].dataset_index * models.size();
    if (r == base) continue;
    diffs.push_back({r, base,
                     analysis::paired_bootstrap_ap(datasets[rows[r].dataset_index], rows[base].image_ids,
                                                   rows[base].detections, rows[r].detections,
                                                   static_cast<std::size_t>(samples))});
    // The difference itself is the metrics' own (pycocotools'), not the resampling's estimate.
    const auto ap = [](const Row& row) { const auto it = row.numbers.find("AP"); return it == row.numbers.end() ? -1.0 : it->second; };
    if (ap(rows[r]) >= 0 && ap(rows[base]) >= 0) diffs.back().d.observed = ap(rows[r]) - ap(rows[base]);
  }
  const std::string comparison = comparison_json(diffs, static_cast<std::size_t>(samples));
  publish_files(out_dir, {{"comparison.csv", comparison_csv(rows)},
                          {"comparison.md", comparison_md(rows, diffs)},
                          {"comparison.json", comparison}});
  std::vector<fs::path> runs;
  for (const Row& r : rows) runs.push_back(r.metrics);
  pipeline::write_html_report(host.python(), runs, out_dir / "report.html", comparison);
  std::cout << "\n" << comparison_md(rows, diffs) << "\nwrote " << (out_dir / "comparison.csv").string() << ", "
            << (out_dir / "comparison.md").string() << " and " << (out_dir / "report.html").string() << "\n";
  return 0;
}

}  // namespace ds::cli
