// `score --metric tracking`: a tracker's MOT results against MOT ground truth (HOTA, CLEAR,
// Identity as TrackEval 1.3), its options and outputs; the reading and scoring of sequences is
// formats/mot/score_sequences (shared with ds.score). Light front only: no Python, no OpenCV.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "app/commands/commands.hpp"
#include "core/eval/score.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/mot/score_sequences.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

int run_score_tracking(const ParsedArgs& args) {
  const std::string gt_arg = *args.get("--gt");
  const std::string dt_arg = *args.get("--dt");
  // --report works (report.html from metrics.json's description); --images has no gallery to fill.
  for (const char* option : {"--iou-type", "--slices", "--sigmas", "--export-objects", "--boundary-dilation-ratio",
                             "--images"})
    if (args.get(option) || args.has(option))
      throw UsageError(std::string(option) + " does not apply to --metric tracking");
  if (args.has("--report") && !args.get("--output"))
    throw UsageError("--report needs --output METRICS.json: report.html goes beside it");
  if (const auto a = args.get("--analyses"); a && *a != "none")
    throw UsageError("--analyses: the analyses score detections per image; --metric tracking has none (leave it out)");
  if (const auto out = args.get("--output")) {
    if (same_file(*out, dt_arg)) throw UsageError("--output " + *out + " is the --dt file; it would be overwritten");
    std::error_code ec;
    if (fs::is_directory(*out, ec) || out->ends_with('/'))
      throw UsageError("--output " + *out + " is a folder; give a file name such as metrics.json");
  }

  const std::size_t threads = static_cast<std::size_t>(std::max<std::int64_t>(0, args.get_int("--threads", 0)));
  const mot::ScoredSequences scored = mot::score_sequences(gt_arg, dt_arg, threads);
  const Metrics& metrics = scored.metrics;
  if (!args.has("--quiet")) std::cout << metrics.text;
  if (const auto out = args.get("--output")) {
    const JsonFields facts = score_facts(gt_arg, dt_arg, scored.frames, scored.boxes);
    write_file_atomic(*out, metrics_document(facts, {metrics}));
  }
  return 0;
}

}  // namespace ds::cli
