#pragma once
// Every command's entry point. The table that names them is in main.cpp (light front) and
// runtime_main.cpp (commands that need Python, OpenCV or a window).
#include <memory>
#include <unordered_map>

#include "app/cli/command.hpp"
#include "app/cli/report.hpp"
#include "core/config/run_config.hpp"
#include "core/dataset/dataset.hpp"
#include "core/eval/evaluator.hpp"
#include "core/eval/shards.hpp"

namespace ds::host {
class PythonRuntime;
}

namespace ds::cli {

// What merge_shards scored: the run config's dataset, the merged detections, the images scored
// (a --limit'ed run's, less those skipped as unreadable) and the run's evaluator options.
struct MergedRun {
  Dataset dataset;
  std::vector<Detection> detections;
  std::vector<std::int64_t> image_ids;
  EvaluatorOptions options;
};

int run_score(const ParsedArgs& args);
// score --metric tracking (score_tracking.cpp): MOT results against MOT ground truth.
int run_score_tracking(const ParsedArgs& args);
int run_evaluate(const ParsedArgs& args);
int run_doctor(const ParsedArgs& args);
int run_convert(const ParsedArgs& args);
int run_check(const ParsedArgs& args);
// track (track.cpp): a tracker over saved detections, into tracks.txt.
int run_track(const ParsedArgs& args);
int run_merge(const ParsedArgs& args);
// The shards of one run (evaluate --shard i/N) scored together as one run, added one at a time as
// they come: merge adds its folders, evaluate --engine ray each shard as soon as it finishes. A
// shard is checked against those added before it, and its detections read, when it is added, so
// that once the last one is in only the scoring is left. COCO's metrics are accumulated from the
// shards' match records, which stay in their files until then (mapped, a category at a time):
// accumulate sorts every shard's detections of a category together, so none of it can be done
// before the last shard is in.
class ShardMerge {
 public:
  // Reads the run config and its dataset. metrics_only: only the metrics the records score (merge --metrics-only).
  explicit ShardMerge(const std::filesystem::path& config_path, bool metrics_only = false);
  // With the run config's dataset already loaded (evaluate --engine ray has it: not twice in memory).
  ShardMerge(const std::filesystem::path& config_path, Dataset dataset);
  // DIR/shard.json (and DIR/detections.json, unless metrics_only). Throws ds::Error naming the
  // file: a shard of another run, one overlapping a shard added before, a detection of another image.
  void add(const std::filesystem::path& dir);
  // Scores the shards into out_dir's detections.json and metrics.json (run_facts added to its
  // facts); prints the metrics, and "wrote ..." without a newline. Throws ds::Error when the
  // shards added leave images out.
  MergedRun finish(const std::filesystem::path& out_dir, const JsonFields& run_facts);

 private:
  std::filesystem::path config_path_;
  RunConfig cfg_;
  bool metrics_only_;
  Dataset dataset_;
  std::vector<std::pair<ShardInfo, std::filesystem::path>> shards_;  // in the order added
  std::unordered_map<std::int64_t, std::size_t> position_;          // image id -> its place in the run
  std::vector<std::vector<Detection>> by_image_;                    // the run's detections, by place
  std::size_t detections_ = 0;
};

// The shards in `dirs` (evaluate --shard i/N) scored together into out_dir's detections.json and
// metrics.json (run_facts added to its facts); prints the metrics, and "wrote ..." without a newline.
MergedRun merge_shards(const std::filesystem::path& config_path, const std::vector<std::filesystem::path>& dirs,
                       const std::filesystem::path& out_dir, const JsonFields& run_facts, bool metrics_only = false);
// gallery.json and report.html beside a merged run's metrics.json, as evaluate writes them
// (merge --report, evaluate --engine ray); prints where.
void write_merged_report(const MergedRun& run, const std::filesystem::path& out_dir, host::PythonRuntime& python);
// merge, then its report (the runtime's merge: the light front sends merge --report here).
int run_merge_report(const ParsedArgs& args);
int run_view(const ParsedArgs& args);
int run_render(const ParsedArgs& args);
int run_detect(const ParsedArgs& args);
int run_export(const ParsedArgs& args);
int run_report(const ParsedArgs& args);
int run_compare(const ParsedArgs& args);
// score, then its report (the runtime's score: the light front sends score --report here).
int run_score_report(const ParsedArgs& args);

// Every command, with its help. Commands that need the runtime (Python, OpenCV, a window) have
// run == nullptr here; detection-studio-runtime fills them in, detection-studio hands them over.
std::vector<Command> command_table();

}  // namespace ds::cli
