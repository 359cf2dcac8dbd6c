// `evaluate --serve-shards`: a Ray worker's process (evaluate_ray.hpp): the model loaded once,
// then the shards it is sent on stdin, one after another.
#include <unistd.h>

#include <iostream>

#include "app/cli/interrupted.hpp"
#include "app/commands/evaluate_ray.hpp"
#include "app/commands/evaluation_run.hpp"
#include "core/eval/run_evaluators.hpp"
#include "core/eval/shards.hpp"
#include "core/util/error.hpp"
#include "pipeline/models.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

int serve_shards(const ParsedArgs& args, const ShardServer& s) {
  make_evaluators(s.cfg, s.dataset);  // a bad metric fails before the model loads
  // The worker that started this process: when it is killed, the shard running here is run
  // again elsewhere, so this one stops at its next batch rather than finishing for nobody.
  const pid_t parent = getppid();
  pipeline::ModelHost host(args.verbose());
  pipeline::Models models({[&] { return host.load(s.model); }});
  models.current();  // the one load, before the first request
  std::string line;
  while (std::getline(std::cin, line)) {
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || space + 1 == line.size())
      throw UsageError("--serve-shards: '" + line + "' on stdin: expected 'i/N DIR'");
    const ShardSpec shard = parse_shard(line.substr(0, space));
    const fs::path dir = line.substr(space + 1);
    fs::create_directories(dir);
    const std::string name = std::to_string(shard.index) + "/" + std::to_string(shard.count);
    Evaluation run = run_evaluation({.cfg = s.cfg,
                                     .dataset = s.dataset,
                                     .models = models,
                                     .total = s.total,
                                     .batch = static_cast<std::size_t>(s.batch),
                                     .skip_bad = args.has("--skip-bad"),
                                     .shard = shard,
                                     .journal = dir / "journal.jsonl",  // the driver's progress line reads it
                                     .run_identity = s.run_identity + "|shard " + name,
                                     .progress = false,
                                     .after_batch =
                                         [parent] {
                                           if (getppid() != parent)
                                             throw Error("--serve-shards: the worker that started this process is gone");
                                         }},
                                    make_evaluators(s.cfg, s.dataset));
    if (run.stats.interrupted_by != 0) return report_interrupted(run.stats, run.end - run.first);
    run.journal->remove();
    publish_shard(dir, s.cfg, run,
                  {shard, s.run_identity, run.first, run.end, s.total, run.stats.skipped, run.scoring->skipped_ids()});
    std::cout << "done " << name << std::endl;  // flushed: the worker waits for it
  }
  return 0;
}

}  // namespace ds::cli
