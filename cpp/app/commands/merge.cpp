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
  const RunConfig cfg = load_run_config(config_path);
  // Every shard once, all of the same run, covering the run's images without gaps.
  std::vector<std::pair<ShardInfo, fs::path>> shards;
  for (const fs::path& dir : dirs) shards.emplace_back(read_shard(dir / "shard.json"), dir);
  std::sort(shards.begin(), shards.end(), [](const auto& a, const auto& b) { return a.first.first < b.first.first; });
  const ShardInfo& head = shards.front().first;
  std::size_t covered = 0;
  for (const auto& [info, dir] : shards) {
    const std::string where = (dir / "shard.json").string();
    if (info.run != head.run)
      throw Error(where + ": a shard of another run (config, model, dataset, --limit or --batch-size differ)");
    if (info.shard.count != head.shard.count || info.total != head.total)
      throw Error(where + ": shard " + std::to_string(info.shard.index) + "/" + std::to_string(info.shard.count) +
                  " does not belong with " + std::to_string(head.shard.count) + " shards");
    if (info.first != covered)
      throw Error(where + ": " + (info.first < covered ? "overlaps another shard" : "leaves a gap: images " +
                                      std::to_string(covered) + ".." + std::to_string(info.first) + " are in no shard given"));
    covered = info.end;
  }
  if (shards.size() != head.shard.count || covered != head.total)
    throw Error("merge: " + std::to_string(shards.size()) + " of " + std::to_string(head.shard.count) +
                " shards given (images " + std::to_string(covered) + ".." + std::to_string(head.total) + " missing)");

  Dataset dataset = load_dataset(cfg.dataset, {.masks = cfg.reads_masks()});
  if (head.total > dataset.images.size())
    throw Error(config_path.string() + ": the dataset has " + std::to_string(dataset.images.size()) +
                " images, the shards ran " + std::to_string(head.total) + " (was it changed?)");
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
  const bool need_detections = !metrics_only;

  // In the run's order, as one machine would have scored them.
  std::unordered_map<std::int64_t, std::size_t> position;
  for (std::size_t i = 0; i < head.total; ++i) position.emplace(dataset.images[i].id, i);
  std::vector<std::vector<Detection>> by_image(head.total);
  std::vector<std::string> skipped;
  std::unordered_set<std::int64_t> skipped_ids;
  std::size_t detections = 0;
  for (const auto& [info, dir] : shards) {
    skipped.insert(skipped.end(), info.skipped.begin(), info.skipped.end());
    skipped_ids.insert(info.skipped_ids.begin(), info.skipped_ids.end());
    if (!need_detections) continue;
    const fs::path file = dir / "detections.json";
    // Masks and keypoints too when the run scores them (its metrics need them, as in one run).
    for (const Detection& d : cfg.reads_masks() || cfg.scores_keypoints() ? coco::read_full_results(file) : coco::read_results(file)) {
      const auto it = position.find(d.image_id);
      if (it == position.end() || it->second < info.first || it->second >= info.end)
        throw Error(file.string() + ": image_id " + std::to_string(d.image_id) + " is not one of this shard's images");
      by_image[it->second].push_back(d);
      ++detections;
    }
  }
  std::vector<Detection> all;
  all.reserve(detections);
  std::vector<std::int64_t> scored;
  for (std::size_t i = 0; i < head.total; ++i) {
    // Images a shard skipped as unreadable are not scored, as in one run with --skip-bad.
    if (skipped_ids.contains(dataset.images[i].id)) continue;
    for (std::size_t e = 0; e < evaluators.size(); ++e)
      if (records[e].empty()) evaluators[e]->process(dataset.images[i], by_image[i]);
    all.insert(all.end(), by_image[i].begin(), by_image[i].end());
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
  return {std::move(dataset), std::move(all), std::move(scored), evaluator_options(cfg)};
}

}  // namespace ds::cli
