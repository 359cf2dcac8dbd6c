// `score --metric tracking`: a tracker's MOT results against MOT ground truth (HOTA, CLEAR,
// Identity as TrackEval 1.3). One sequence: --gt SEQ.yaml (a mot dataset) or a sequence folder,
// --dt RESULTS.txt. Several: --gt a folder of sequence folders (MOT17/train), --dt a folder of
// <sequence>.txt, TrackEval's tracker layout. Light front only: no Python, no OpenCV.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <yaml-cpp/yaml.h>

#include "app/commands/commands.hpp"
#include "core/config/config_node.hpp"
#include "core/eval/score.hpp"
#include "core/eval/tracking/tracking_evaluator.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/dataset_file.hpp"
#include "formats/format.hpp"
#include "formats/mot/mot_results.hpp"

namespace fs = std::filesystem;

namespace ds::cli {
namespace {

struct GtSequence {
  std::string name;
  Dataset dataset;
};

std::string folder_name(const fs::path& dir) {
  const fs::path p = fs::absolute(dir).lexically_normal();
  const std::string name = p.filename().string();
  return name.empty() ? p.parent_path().filename().string() : name;
}

Dataset read_sequence_folder(const fs::path& dir) {
  const ConfigNode spec(dir / "dataset.yaml", YAML::Load("format: mot\nsequence: .\n"), "");
  return load_dataset(spec);
}

// --gt: a dataset file (one sequence), a MOT sequence folder, or a folder of them.
std::vector<GtSequence> ground_truth(const std::string& arg) {
  std::vector<GtSequence> out;
  const fs::path path(arg);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::is_regular_file(path / "seqinfo.ini", ec)) {
      out.push_back({folder_name(path), read_sequence_folder(path)});
      return out;
    }
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(path))
      if (e.is_directory() && fs::is_regular_file(e.path() / "seqinfo.ini", ec)) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    if (dirs.empty())
      throw Error(arg + ": no MOT sequence here (a folder with seqinfo.ini, or folders of them; or give a dataset.yaml)");
    for (const fs::path& d : dirs) out.push_back({d.filename().string(), read_sequence_folder(d)});
    return out;
  }
  Dataset d = load_dataset_file(path);
  // A mot dataset's source is <sequence>/gt/gt.txt: the sequence is named after its folder.
  const fs::path source = fs::absolute(d.source).lexically_normal();
  std::string name = source.filename() == "gt.txt" ? source.parent_path().parent_path().filename().string()
                                                   : path.stem().string();
  out.push_back({name, std::move(d)});
  return out;
}

}  // namespace

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

  const std::vector<GtSequence> sequences = ground_truth(gt_arg);
  std::error_code ec;
  const bool dt_folder = fs::is_directory(dt_arg, ec);
  if (sequences.size() > 1 && !dt_folder)
    throw Error(dt_arg + ": --gt has " + std::to_string(sequences.size()) +
                " sequences: --dt must be a folder holding <sequence>.txt for each");
  std::vector<tracking::SequenceScores> scores;
  std::size_t frames = 0, boxes = 0;
  for (const GtSequence& seq : sequences) {
    const fs::path file = dt_folder ? fs::path(dt_arg) / (seq.name + ".txt") : fs::path(dt_arg);
    if (!fs::is_regular_file(file, ec))
      throw Error(file.string() + ": file not found (the tracker's results for sequence " + seq.name + ")");
    const Dataset& gt = seq.dataset;
    const tracking::TrackingClasses classes = tracking::tracking_classes(gt);
    for (const Annotation& a : gt.annotations)
      if (a.track_id < 0)
        throw Error(gt.source + ": annotation " + std::to_string(a.id) + " has no track id: tracking needs ground-truth tracks");
    const auto length = static_cast<std::int64_t>(gt.images.size());
    const mot::Results results = mot::read_results(file, length);
    std::vector<tracking::TrackerBox> tracker;
    tracker.reserve(results.rows.size());
    for (const mot::ResultRow& r : results.rows) {
      // TrackEval refuses a class other than pedestrian in MOT Challenge results.
      if (classes.mot && r.cls > 1)
        throw Error(results.source + ":" + std::to_string(r.line) + ": class " + std::to_string(r.cls) +
                    ": MOT Challenge tracking is scored on pedestrians (class 1, or -1 for none), as TrackEval");
      // Frame f is the dataset's f-th image (a mot dataset's image id f).
      tracker.push_back({gt.images[static_cast<std::size_t>(r.frame - 1)].id, r.id, {r.x, r.y, r.w, r.h}});
    }
    const tracking::RawSequence raw = tracking::raw_sequence(gt, tracker, classes, seq.name);
    scores.push_back(tracking::score_sequence(raw, classes.preprocessing()));
    frames += gt.images.size();
    boxes += tracker.size();
  }
  const std::string preprocessing = tracking::tracking_classes(sequences.front().dataset).describe();
  const Metrics metrics = tracking::tracking_metrics(scores, preprocessing);
  if (!args.has("--quiet")) std::cout << metrics.text;
  if (const auto out = args.get("--output")) {
    const JsonFields facts = score_facts(gt_arg, dt_arg, frames, boxes);
    write_file_atomic(*out, metrics_document(facts, {metrics}));
  }
  return 0;
}

}  // namespace ds::cli
