#pragma once
// `evaluate --engine ray` (evaluate_ray.cpp) and its workers' processes (serve_shards.cpp).
#include <filesystem>
#include <string>

#include "app/cli/command.hpp"
#include "core/config/run_config.hpp"
#include "core/dataset/dataset.hpp"

namespace ds::cli {

struct RayRun {
  std::filesystem::path config, model, out_dir;
  std::size_t total = 0;  // images (after --limit)
  std::int64_t batch = 0;  // --batch-size, 0: the model's
  Dataset dataset;         // the run config's, for the merge
};

int run_evaluate_on_ray(const ParsedArgs& args, RayRun run);

// `evaluate CONFIG --model M [--limit N] [--batch-size N] --serve-shards`: one long-lived process
// per Ray worker (python_modules/ray_engine.py), so that a worker loads the model once, not once
// per shard. Each line "i/N DIR" on stdin runs that shard into DIR, as `evaluate --shard i/N
// --output DIR` does (the same images, batches and files), answered by "done i/N" on stdout.
// Returns 0 at the end of stdin; a failing shard throws (exit 1, its error on stderr), and so does
// a shard that sees the process that started this one gone (a killed worker: the driver runs
// that shard again elsewhere).
struct ShardServer {
  const RunConfig& cfg;
  std::filesystem::path model;
  const Dataset& dataset;
  std::size_t total = 0;     // images (after --limit)
  std::int64_t batch = 0;    // --batch-size, 0: the model's
  std::string run_identity;  // the run's (shard.json's "run"), without the shard
};

int serve_shards(const ParsedArgs& args, const ShardServer& server);

}  // namespace ds::cli
