#include "formats/mot/score_sequences.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "core/config/config_node.hpp"
#include "core/eval/tracking/tracking_evaluator.hpp"
#include "core/util/error.hpp"
#include "formats/dataset_file.hpp"
#include "formats/format.hpp"
#include "formats/mot/mot_results.hpp"

namespace fs = std::filesystem;

namespace ds::mot {
namespace {

// One sequence of --gt: its name and how to read it (read on a worker, with its results).
struct GtSource {
  std::string name;
  fs::path path;
  bool folder = false;  // a MOT sequence folder, else a dataset file
};

std::string folder_name(const fs::path& dir) {
  const fs::path p = fs::absolute(dir).lexically_normal();
  const std::string name = p.filename().string();
  return name.empty() ? p.parent_path().filename().string() : name;
}

Dataset read_ground_truth(const GtSource& g) {
  if (!g.folder) return load_dataset_file(g.path);
  const ConfigNode spec(g.path / "dataset.yaml", YAML::Load("format: mot\nsequence: .\n"), "");
  return load_dataset(spec);
}

// --gt: a dataset file (one sequence), a MOT sequence folder, or a folder of them (name order).
std::vector<GtSource> ground_truth(const std::string& arg) {
  const fs::path path(arg);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::is_regular_file(path / "seqinfo.ini", ec)) return {{folder_name(path), path, true}};
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(path))
      if (e.is_directory() && fs::is_regular_file(e.path() / "seqinfo.ini", ec)) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    if (dirs.empty())
      throw Error(arg + ": no MOT sequence here (a folder with seqinfo.ini, or folders of them; or give a dataset.yaml)");
    std::vector<GtSource> out;
    for (const fs::path& d : dirs) out.push_back({d.filename().string(), d, true});
    return out;
  }
  return {{"", path, false}};  // named once read: its sequence folder's name
}

struct Scored {
  tracking::SequenceScores scores;
  std::string preprocessing;
  std::size_t frames = 0, boxes = 0;
};

// Reads one sequence's ground truth and results and scores them.
Scored score_one(GtSource g, const std::string& dt_arg, bool dt_folder) {
  const Dataset gt = read_ground_truth(g);
  if (g.name.empty()) {
    // A mot dataset's source is <sequence>/gt/gt.txt: the sequence is named after its folder.
    const fs::path source = fs::absolute(gt.source).lexically_normal();
    // Another dataset file is named by its stem, or its folder for a plain dataset.yaml.
    g.name = source.filename() == "gt.txt" ? source.parent_path().parent_path().filename().string()
             : g.path.stem() == "dataset"  ? folder_name(g.path.parent_path().empty() ? "." : g.path.parent_path())
                                           : g.path.stem().string();
  }
  const fs::path file = dt_folder ? fs::path(dt_arg) / (g.name + ".txt") : fs::path(dt_arg);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw Error(file.string() + ": file not found (the tracker's results for sequence " + g.name + ")");
  const tracking::TrackingClasses classes = tracking::tracking_classes(gt);
  for (const Annotation& a : gt.annotations)
    if (a.track_id < 0)
      throw Error(gt.source + ": annotation " + std::to_string(a.id) + " has no track id: tracking needs ground-truth tracks");
  const Results results = read_results(file, static_cast<std::int64_t>(gt.images.size()));
  std::vector<tracking::TrackerBox> tracker;
  tracker.reserve(results.rows.size());
  for (const ResultRow& r : results.rows) {
    // TrackEval refuses a class other than pedestrian in MOT Challenge results.
    if (classes.mot && r.cls > 1)
      throw Error(results.source + ":" + std::to_string(r.line) + ": class " + std::to_string(r.cls) +
                  ": MOT Challenge tracking is scored on pedestrians (class 1, or -1 for none), as TrackEval");
    // Frame f is the dataset's f-th image (a mot dataset's image id f).
    tracker.push_back({gt.images[static_cast<std::size_t>(r.frame - 1)].id, r.id, {r.x, r.y, r.w, r.h}});
  }
  const tracking::RawSequence raw = tracking::raw_sequence(gt, tracker, classes, g.name);
  return {tracking::score_sequence(raw, classes.preprocessing()), classes.describe(), gt.images.size(), tracker.size()};
}

}  // namespace

ScoredSequences score_sequences(const std::string& gt, const std::string& dt, std::size_t threads) {
  const std::vector<GtSource> sequences = ground_truth(gt);
  std::error_code ec;
  const bool dt_folder = fs::is_directory(dt, ec);
  if (sequences.size() > 1 && !dt_folder)
    throw Error(dt + ": --gt has " + std::to_string(sequences.size()) +
                " sequences: --dt must be a folder holding <sequence>.txt for each");
  // Sequences are independent: each is read and scored on a worker; results (and the first
  // error, in sequence order) are taken in order, so the output does not depend on timing.
  std::size_t workers = threads;
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  workers = std::min(workers, sequences.size());
  std::vector<std::future<Scored>> done(sequences.size());
  std::vector<std::promise<Scored>> promises(sequences.size());
  for (std::size_t k = 0; k < sequences.size(); ++k) done[k] = promises[k].get_future();
  std::atomic<std::size_t> next{0};
  {
    std::vector<std::jthread> pool;
    for (std::size_t w = 0; w < workers; ++w)
      pool.emplace_back([&] {
        for (std::size_t k; (k = next++) < sequences.size();) {
          try {
            promises[k].set_value(score_one(sequences[k], dt, dt_folder));
          } catch (...) {
            promises[k].set_exception(std::current_exception());
          }
        }
      });
  }
  std::vector<tracking::SequenceScores> scores;
  std::size_t frames = 0, boxes = 0;
  std::string preprocessing;
  for (auto& f : done) {
    Scored s = f.get();
    if (preprocessing.empty()) preprocessing = s.preprocessing;
    frames += s.frames;
    boxes += s.boxes;
    scores.push_back(std::move(s.scores));
  }
  ScoredSequences out{.metrics = tracking::tracking_metrics(scores, preprocessing),
                      .sequences = sequences.size(), .frames = frames, .boxes = boxes};
  return out;
}

}  // namespace ds::mot
