#pragma once
// Every command's entry point. The table that names them is in main.cpp (light front) and
// runtime_main.cpp (commands that need Python, OpenCV or a window).
#include "app/cli/command.hpp"
#include "app/cli/report.hpp"
#include "core/dataset/dataset.hpp"
#include "core/eval/evaluator.hpp"

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
