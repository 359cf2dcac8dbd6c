#pragma once
// `evaluate --shard i/N` and `merge`: a run split over machines (SLURM arrays, Kubernetes jobs)
// and scored once at the end. Shards are contiguous ranges of the run's images whose bounds fall
// on model-batch boundaries, so every batch holds the same images as in a run on one machine and
// the merged metrics are the same, bit for bit.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ds {

struct ShardSpec {
  std::size_t index = 0;  // i, from 0
  std::size_t count = 1;  // N
};

// "i/N" (0 <= i < N). Throws ds::Error naming the option.
ShardSpec parse_shard(const std::string& text);

// [first, end) of shard `s` over `total` images, bounds on multiples of `batch`.
std::pair<std::size_t, std::size_t> shard_range(ShardSpec s, std::size_t total, std::size_t batch);

// DIR/shard.json: what a shard ran, for `merge` to check the shards against each other.
struct ShardInfo {
  ShardSpec shard;
  std::string run;  // the run's identity (config, model, dataset, images, batch size)
  std::size_t first = 0, end = 0, total = 0;
  std::vector<std::string> skipped;          // why, one line each
  std::vector<std::int64_t> skipped_ids;     // the images skipped as unreadable (not scored)
};

std::string shard_json(const ShardInfo& info);

// DIR/records.METRIC.bin: a metric's compact match records of the shard's images
// (core/eval/coco/match_records; docs/scale.md has the layout).
std::string shard_records_file(std::string_view metric);
// Throws ds::Error naming the file and the key.
ShardInfo read_shard(const std::filesystem::path& file);

}  // namespace ds
