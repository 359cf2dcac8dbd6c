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
#include "core/eval/run_evaluators.hpp"
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

struct Row {
  std::string dataset, model;
  std::vector<Value> values;  // every evaluator's, as it describes them (core/eval/description.hpp)
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

// A column of the comparison: one described value, by its metrics.json key.
struct Column {
  std::string key, label;
  ValueFormat format = ValueFormat::kFraction;
  bool headline = false;
};

// Every value any run has, in the order the runs describe them; labels get their section's
// short label where two sections share one (AP of boxes and AP of masks).
std::vector<Column> columns_of(const std::vector<std::vector<Section>>& sections) {
  std::vector<Column> out;
  std::map<std::string, std::set<std::string>> sections_of_label;
  for (const auto& run : sections)
    for (const Section& s : run)
      for (const Value& v : s.values) sections_of_label[v.label].insert(s.id);
  for (const auto& run : sections)
    for (const Section& s : run)
      for (const Value& v : s.values) {
        if (std::any_of(out.begin(), out.end(), [&](const Column& c) { return c.key == v.key; })) continue;
        const bool shared = sections_of_label[v.label].size() > 1 && !s.short_label.empty();
        out.push_back({v.key, shared ? s.short_label + " " + v.label : v.label, v.format, v.headline});
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

const Value* find_value(const Row& r, const std::string& key) {
  for (const Value& v : r.values)
    if (v.key == key) return &v;
  return nullptr;
}

std::string value_of(const Row& r, const std::string& key) {
  const Value* v = find_value(r, key);
  if (!v) return "";
  // Negative numbers are data where lower is better (TIDE's dAP is >= 0; -1 marks "no data").
  if (v->format == ValueFormat::kCount) return number(v->value, "%.0f");
  if (v->format == ValueFormat::kNumber) return number(v->value, "%.2f");
  return number(v->value);
}

// CSV: every value, headed by its metrics.json key (stable for scripts).
std::string comparison_csv(const std::vector<Row>& rows, const std::vector<Column>& columns) {
  std::string out = "dataset,model";
  for (const Column& c : columns) out += "," + csv_field(c.key);
  out += ",images_per_second,ms_per_image\n";
  for (const Row& r : rows) {
    out += csv_field(r.dataset) + "," + csv_field(r.model);
    for (const Column& c : columns) out += "," + value_of(r, c.key);
    out += "," + number(r.images_per_second, "%.2f") + "," + number(r.ms_per_image, "%.2f") + "\n";
  }
  return out;
}

struct Difference {
  std::size_t run, baseline;
  analysis::ApDifference d;
};

// Markdown and HTML alike treat these as markup: a model or folder name is text.
std::string md_cell(const std::string& s) {
  std::string o;
  for (const char c : s) {
    switch (c) {
      case '|': o += "\\|"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '\\': case '`': case '*': case '_': case '[': case ']': o += std::string("\\") + c; break;
      case '\n': case '\r': o += ' '; break;
      default: o += c;
    }
  }
  return o;
}

// Markdown: the headline values (the full set is in the CSV).
std::string comparison_md(const std::vector<Row>& rows, const std::vector<Column>& columns,
                          const std::vector<Difference>& diffs, const std::string& metric) {
  std::vector<const Column*> shown;
  for (const Column& c : columns)
    if (c.headline) shown.push_back(&c);
  std::string out = "# Model comparison\n\n| dataset | model |";
  for (const Column* c : shown) out += " " + md_cell(c->label) + " |";
  out += " images/s | ms/image |\n|---|---|";
  for (std::size_t i = 0; i < shown.size() + 2; ++i) out += "---:|";
  out += "\n";
  for (const Row& r : rows) {
    out += "| " + md_cell(r.dataset) + " | " + md_cell(r.model) + " |";
    for (const Column* c : shown) out += " " + value_of(r, c->key) + " |";
    out += " " + number(r.images_per_second, "%.2f") + " | " + number(r.ms_per_image, "%.2f") + " |\n";
  }
  if (!diffs.empty()) {
    out += "\n## " + md_cell(metric) + " differences (paired bootstrap over images, 95% interval)\n\n"
           "| dataset | model | against | difference | 95% interval | samples |\n|---|---|---|---:|---|---:|\n";
    for (const Difference& d : diffs) {
      char b[160];
      std::snprintf(b, sizeof b, "%+.4f | [%+.4f, %+.4f] | %zu", d.d.observed, d.d.ci_low, d.d.ci_high, d.d.samples);
      out += "| " + md_cell(rows[d.run].dataset) + " | " + md_cell(rows[d.run].model) + " | " +
             md_cell(rows[d.baseline].model) + " | " + b + " |\n";
    }
  }
  return out;
}

std::string comparison_json(const std::vector<Difference>& diffs, std::size_t samples, const std::string& metric) {
  JsonWriter w(1);
  w.begin_object().field("baseline", std::int64_t{0}).field("metric", metric);
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
  std::vector<std::vector<Section>> sections;  // per row: what its evaluators said they output
  for (std::size_t d = 0; d < configs.size(); ++d) {
    const RunConfig& cfg = configs[d];
    const Dataset& dataset = datasets[d];
    const EvaluatorOptions options = evaluator_options(cfg);
    const std::size_t total = limit > 0 ? std::min<std::size_t>(static_cast<std::size_t>(limit), dataset.images.size())
                                        : dataset.images.size();
    for (std::size_t m = 0; m < models.size(); ++m) {
      while (loaded.index() != m) loaded.next();
      pipeline::Detector& detector = loaded.current();
      const ClassMapping mapping = detector.map_to(dataset.categories, cfg.class_map);
      for (const std::string& w : mapping_warnings(mapping, detector.name() + " on " + dataset_dirs[d], "not scored"))
        std::cerr << "warning: " << w << "\n";
      if (!cfg.allow_unmatched_classes)
        require_a_class_match(mapping, dataset.categories, detector.name(),
                              "set allow_unmatched_classes: true in " + cfg.file.string());
      pipeline::EvaluationSink scoring(make_evaluators(cfg, dataset), mapping);
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
      std::vector<Section> described;
      for (const Metrics& mt : scores.metrics)
        for (const Section& sec : mt.sections) {
          described.push_back(sec);
          row.values.insert(row.values.end(), sec.values.begin(), sec.values.end());
        }
      row.images_per_second = stats.frames_per_second();
      row.ms_per_image = stats.frames > 0 ? 1000.0 * stats.model_seconds / static_cast<double>(stats.frames) : 0;
      // The run's first headline numbers, as its evaluators name them.
      std::cout << dataset_dirs[d] << " / " << row.model << ":";
      int shown = 0;
      for (const Value& v : row.values)
        if (v.headline && shown < 3) std::cout << (shown++ ? ", " : " ") << v.label << " " << value_of(row, v.key);
      std::cout << ", " << number(row.images_per_second, "%.1f") << " images/s\n";
      sections.push_back(std::move(described));
      rows.push_back(std::move(row));
    }
  }
  const std::vector<Column> columns = columns_of(sections);

  // Each model against the first on the same dataset, on COCO AP by what the run's analyses match.
  std::vector<Difference> diffs;
  const auto overlap_of = [&](std::size_t d) {
    return analysis::Overlap::of(evaluator_options(configs[d]));
  };
  const std::string metric = analysis::bootstrapped_metric(overlap_of(0));
  for (std::size_t r = 0; r < rows.size() && samples > 0; ++r) {
    const std::size_t base = rows[r].dataset_index * models.size();
    if (r == base) continue;
    const analysis::Overlap overlap = overlap_of(rows[r].dataset_index);
    diffs.push_back({r, base,
                     analysis::paired_bootstrap_ap(datasets[rows[r].dataset_index], rows[base].image_ids,
                                                   rows[base].detections, rows[r].detections,
                                                   static_cast<std::size_t>(samples), 0, overlap)});
    // The difference itself is the metrics' own (pycocotools'), not the resampling's estimate.
    const std::string key = analysis::bootstrapped_metric(overlap);
    const Value* now = find_value(rows[r], key);
    const Value* before = find_value(rows[base], key);
    if (now && before && now->value >= 0 && before->value >= 0) diffs.back().d.observed = now->value - before->value;
  }
  const std::string comparison = comparison_json(diffs, static_cast<std::size_t>(samples), metric);
  publish_files(out_dir, {{"comparison.csv", comparison_csv(rows, columns)},
                          {"comparison.md", comparison_md(rows, columns, diffs, metric)},
                          {"comparison.json", comparison}});
  std::vector<fs::path> runs;
  for (const Row& r : rows) runs.push_back(r.metrics);
  pipeline::write_html_report(host.python(), runs, out_dir / "report.html", comparison);
  std::cout << "\n" << comparison_md(rows, columns, diffs, metric) << "\nwrote " << (out_dir / "comparison.csv").string() << ", "
            << (out_dir / "comparison.md").string() << " and " << (out_dir / "report.html").string() << "\n";
  return 0;
}

}  // namespace ds::cli
