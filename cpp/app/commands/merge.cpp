// `merge CONFIG.yaml SHARD_DIR...`: the shards of one run (evaluate --shard i/N on several
// machines) scored together, as one run. Light front: no model, no torch.
#include <iostream>
#include <unordered_map>
#include <unordered_set>

#include "app/cli/report.hpp"
#include "app/commands/commands.hpp"
#include "core/config/run_config.hpp"
#include "core/eval/run_evaluators.hpp"
#include "core/eval/per_class_csv.hpp"
#include "core/eval/shards.hpp"
#include "core/util/error.hpp"
#include "core/util/json_writer.hpp"
#include "core/util/publish.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/format.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

int run_merge(const ParsedArgs& args) {
  const fs::path config_path = args.positional.at(0);
  const fs::path out_dir = args.get("--output") ? fs::path(*args.get("--output")) : load_run_config(config_path).output;
  const std::vector<fs::path> dirs(args.positional.begin() + 1, args.positional.end());
  merge_shards(config_path, dirs, out_dir, {}, args.has("--metrics-only"));
  std::cout << " (--report also writes report.html)\n";
  return 0;
}

MergedRun merge_shards(const fs::path& config_path, const std::vector<fs::path>& dirs, const fs::path& out_dir,
                       const JsonFields& run_facts, bool metrics_only) {
  ShardMerge merge(config_path, metrics_only);
  for (const fs::path& dir : dirs) merge.add(dir);
  return merge.finish(out_dir, run_facts);
}

ShardMerge::ShardMerge(const fs::path& config_path, bool metrics_only)
    : config_path_(config_path),
      cfg_(load_run_config(config_path)),
      metrics_only_(metrics_only),
      dataset_(load_dataset(cfg_.dataset, {.masks = cfg_.reads_masks()})) {}

ShardMerge::ShardMerge(const fs::path& config_path, Dataset dataset)
    : config_path_(config_path), cfg_(load_run_config(config_path)), metrics_only_(false), dataset_(std::move(dataset)) {}

void ShardMerge::add(const fs::path& dir) {
  const fs::path where = dir / "shard.json";
  ShardInfo info = read_shard(where);
  if (shards_.empty()) {
    if (info.total > dataset_.images.size())
      throw Error(config_path_.string() + ": the dataset has " + std::to_string(dataset_.images.size()) +
                  " images, the shards ran " + std::to_string(info.total) + " (was it changed?)");
    // In the run's order, as one machine would have scored them.
    for (std::size_t i = 0; i < info.total; ++i) position_.emplace(dataset_.images[i].id, i);
    by_image_.resize(info.total);
  }
  // Every shard once, all of the same run.
  const ShardInfo& head = shards_.empty() ? info : shards_.front().first;
  if (info.run != head.run)
    throw Error(where.string() + ": a shard of another run (config, model, dataset, --limit or --batch-size differ)");
  if (info.shard.count != head.shard.count || info.total != head.total)
    throw Error(where.string() + ": shard " + std::to_string(info.shard.index) + "/" + std::to_string(info.shard.count) +
                " does not belong with " + std::to_string(head.shard.count) + " shards");
  for (const auto& [other, other_dir] : shards_)
    if (info.first < other.end && other.first < info.end)
      throw Error(where.string() + ": overlaps another shard (" + (other_dir / "shard.json").string() + ")");
  if (!metrics_only_) {
    const fs::path file = dir / "detections.json";
    // Masks and keypoints too when the run scores them (its metrics need them, as in one run).
    for (const Detection& d : cfg_.reads_masks() || cfg_.scores_keypoints() ? coco::read_full_results(file) : coco::read_results(file)) {
      const auto it = position_.find(d.image_id);
      if (it == position_.end() || it->second < info.first || it->second >= info.end)
        throw Error(file.string() + ": image_id " + std::to_string(d.image_id) + " is not one of this shard's images");
      by_image_[it->second].push_back(d);
      ++detections_;
    }
  }
  shards_.emplace_back(std::move(info), dir);
}

MergedRun ShardMerge::finish(const fs::path& out_dir, const JsonFields& run_facts) {
  if (shards_.empty()) throw Error("merge: no shards given");
  // Covering the run's images without gaps.
  std::vector<std::pair<ShardInfo, fs::path>> shards = shards_;
  std::sort(shards.begin(), shards.end(), [](const auto& a, const auto& b) { return a.first.first < b.first.first; });
  const ShardInfo& head = shards.front().first;
  std::size_t covered = 0;
  for (const auto& [info, dir] : shards) {
    if (info.first != covered)
      throw Error((dir / "shard.json").string() + ": leaves a gap: images " + std::to_string(covered) + ".." +
                  std::to_string(info.first) + " are in no shard given");
    covered = info.end;
  }
  if (shards.size() != head.shard.count || covered != head.total)
    throw Error("merge: " + std::to_string(shards.size()) + " of " + std::to_string(head.shard.count) +
                " shards given (images " + std::to_string(covered) + ".." + std::to_string(head.total) + " missing)");

  const Dataset& dataset = dataset_;
  const RunConfig& cfg = cfg_;
  const fs::path& config_path = config_path_;
  const bool metrics_only = metrics_only_;
  std::vector<std::unique_ptr<Evaluator>> evaluators = make_evaluators(cfg, dataset);
  // The metrics whose every shard wrote match records are accumulated from those: the
  // detections are not read for them (docs/scale.md).
  std::vector<std::vector<fs::path>> records(evaluators.size());
  for (std::size_t i = 0; i < cfg.metrics.size() && i < evaluators.size(); ++i) {
    for (const auto& [info, dir] : shards)
      if (fs::path f = dir / shard_records_file(cfg.metrics[i]); fs::is_regular_file(f)) records[i].push_back(std::move(f));
    if (records[i].size() != shards.size()) records[i].clear();
  }
  if (metrics_only) {
    // Only what the records score: no analyses, no detections.
    std::vector<std::unique_ptr<Evaluator>> kept;
    std::vector<std::vector<fs::path>> kept_records;
    for (std::size_t i = 0; i < evaluators.size(); ++i)
      if (!records[i].empty()) {
        kept.push_back(std::move(evaluators[i]));
        kept_records.push_back(std::move(records[i]));
      }
    if (kept.empty())
      throw Error("merge --metrics-only: no metric of " + config_path.string() + " has match records in every shard "
                  "(written by evaluate --shard for COCO's metrics)");
    evaluators = std::move(kept);
    records = std::move(kept_records);
  }

  std::vector<std::string> skipped;
  std::unordered_set<std::int64_t> skipped_ids;
  for (const auto& [info, dir] : shards) {
    skipped.insert(skipped.end(), info.skipped.begin(), info.skipped.end());
    skipped_ids.insert(info.skipped_ids.begin(), info.skipped_ids.end());
  }
  std::vector<Detection> all;
  all.reserve(detections_);
  std::vector<std::int64_t> scored;
  for (std::size_t i = 0; i < head.total; ++i) {
    // Images a shard skipped as unreadable are not scored, as in one run with --skip-bad.
    if (skipped_ids.contains(dataset.images[i].id)) continue;
    for (std::size_t e = 0; e < evaluators.size(); ++e)
      if (records[e].empty()) evaluators[e]->process(dataset.images[i], by_image_[i]);
    all.insert(all.end(), by_image_[i].begin(), by_image_[i].end());
    scored.push_back(dataset.images[i].id);
  }
  const std::size_t images = scored.size();
  std::vector<Metrics> metrics;
  for (std::size_t e = 0; e < evaluators.size(); ++e)
    metrics.push_back(records[e].empty() ? evaluators[e]->evaluate() : evaluators[e]->evaluate_records(records[e], scored));

  JsonWriter skipped_json;
  skipped_json.begin_array();
  for (const std::string& s : skipped) skipped_json.value(s);
  skipped_json.end_array();
  JsonFields facts = {{"config", json_string(fs::absolute(config_path).lexically_normal().string())},
                      {"dataset", json_string(dataset.source)},
                      {"shards", std::to_string(shards.size())},
                      {"images", std::to_string(images)},
                      {"detections", metrics_only ? std::string("null") : std::to_string(all.size())},
                      {"skipped_images", skipped_json.take()}};
  facts.insert(facts.end(), run_facts.begin(), run_facts.end());
  std::string document = metrics_document(facts, metrics);
  std::optional<std::string> per_class = per_class_csv(document);
  OutputFiles files;
  if (!metrics_only) files.emplace_back("detections.json", coco::results_json(all));
  files.emplace_back("metrics.json", std::move(document));
  if (per_class) files.emplace_back(kPerClassCsv, std::move(*per_class));
  publish_files(out_dir, files);
  if (metrics_only)
    std::cout << "merged " << shards.size() << " shards' match records: " << images << " images\n\n";
  else
    std::cout << "merged " << shards.size() << " shards: " << images << " images, " << all.size() << " detections\n\n";
  for (const Metrics& m : metrics) std::cout << m.text;
  if (metrics_only)
    std::cout << "\nwrote " << (out_dir / "metrics.json").string();
  else
    std::cout << "\nwrote " << (out_dir / "detections.json").string() << " and " << (out_dir / "metrics.json").string();
  // Moved out last: the evaluators hold a reference to it and are done with it.
  evaluators.clear();
  return {std::move(dataset_), std::move(all), std::move(scored), evaluator_options(cfg)};
}

}  // namespace ds::cli
