#pragma once
// Every command's entry point. The table that names them is in main.cpp (light front) and
// runtime_main.cpp (commands that need Python, OpenCV or a window).
#include "app/cli/command.hpp"
#include "app/cli/report.hpp"

namespace ds::cli {

int run_score(const ParsedArgs& args);
int run_evaluate(const ParsedArgs& args);
int run_doctor(const ParsedArgs& args);
int run_convert(const ParsedArgs& args);
int run_check(const ParsedArgs& args);
int run_merge(const ParsedArgs& args);
// The shards in `dirs` (evaluate --shard i/N) scored together into out_dir's detections.json and
// metrics.json (run_facts added to its facts); prints the metrics, and "wrote ..." without a newline.
void merge_shards(const std::filesystem::path& config_path, const std::vector<std::filesystem::path>& dirs,
                  const std::filesystem::path& out_dir, const JsonFields& run_facts);
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
