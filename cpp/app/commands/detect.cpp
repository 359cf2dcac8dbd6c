// `detect SOURCE`: a model over footage or images, live or recorded: detections.jsonl as it goes,
// optionally an annotated video, a window, and a dataset of pre-labelled frames.
#include <iostream>

#include "app/cli/interrupted.hpp"
#include "app/cli/progress.hpp"
#include "app/cli/report.hpp"
#include "app/commands/commands.hpp"
#include "core/trackers/registry.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/format.hpp"
#include "pipeline/models.hpp"
#include "pipeline/open_source.hpp"
#include "pipeline/run.hpp"
#include "pipeline/sinks/dataset_export.hpp"
#include "pipeline/sinks/jsonl.hpp"
#include "pipeline/sinks/video_writer.hpp"
#include "pipeline/transforms/track.hpp"
#include "viewer/display.hpp"
#include "viewer/live_window.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

int run_detect(const ParsedArgs& args) {
  const std::string spec = args.positional.at(0);
  std::vector<fs::path> model_configs;
  for (const std::string& m : args.get_all("--model")) model_configs.emplace_back(m);
  if (model_configs.empty()) throw UsageError("--model MODEL.yaml is required");
  const fs::path out_dir = args.get("--output").value_or("runs/detect");
  const std::int64_t limit = args.get_int("--limit", 0), every = args.get_int("--every", 1);
  if (limit < 0) throw UsageError("--limit must be 0 (all) or more");
  if (every < 1) throw UsageError("--every must be 1 or more");
  const double threshold = args.get_double("--score-threshold", 0.5);
  if (!(threshold >= 0 && threshold <= 1)) throw UsageError("--score-threshold must be between 0 and 1");
  const auto export_dir = args.get("--export-dataset");
  const std::string export_format = args.get("--format").value_or("coco");
  if (args.get("--format") && !export_dir) throw UsageError("--format goes with --export-dataset DIR");
  const bool show = args.has("--show");
  const auto track = args.get("--track");
  if (args.get("--tracker-config") && !track) throw UsageError("--tracker-config goes with --track NAME");
  std::unique_ptr<trackers::Tracker> tracker;
  if (track) {
    if (!trackers::is_tracker(*track)) throw UsageError("--track: " + trackers::unknown_tracker(*track));
    std::optional<fs::path> tracker_config;
    if (const auto c = args.get("--tracker-config")) tracker_config = fs::path(*c);
    tracker = trackers::make_tracker(*track, tracker_config);
  }

  // Everything that can be checked is, before the model loads.
  for (const fs::path& m : model_configs) pipeline::check_model_config(m);
  if (export_dir) {
    try {
      find_format(export_format);
    } catch (const Error& e) {
      throw UsageError(std::string("--format: ") + e.what());
    }
  }
  if (show)
    if (const std::string problem = viewer::display_problem(); !problem.empty()) throw Error("detect --show: " + problem);
  if (args.has("--live") && args.has("--no-drop")) throw UsageError("--live and --no-drop contradict each other");
  std::optional<bool> live;
  if (args.has("--live")) live = true;
  if (args.has("--no-drop")) live = false;
  const std::int64_t max_side = args.get_int("--max-frame-side", 8192);
  if (max_side < 0) throw UsageError("--max-frame-side must be 0 (no bound) or more");
  const auto source = pipeline::open_source(spec, {.every = static_cast<std::size_t>(every),
                                                   .limit = static_cast<std::size_t>(limit),
                                                   .decode = {},
                                                   .live = live,
                                                   .max_frame_side = static_cast<int>(max_side)});

  pipeline::ModelHost host(args.verbose());
  pipeline::Models models = host.lazy(model_configs);
  const std::string first_model = models.current().name();
  // Still images far larger than the model reads are decoded reduced (a 30000 px JPEG: 12 GB).
  source->reduce_to(models.current().max_input_side());

  pipeline::JsonlSink jsonl(out_dir / "detections.jsonl", tracker != nullptr);
  std::optional<pipeline::TrackTransform> tracking;
  std::vector<pipeline::Transform*> transforms;
  if (tracker) transforms.push_back(&tracking.emplace(std::move(tracker), out_dir / "tracks.txt"));
  std::vector<pipeline::Sink*> sinks{&jsonl};
  std::optional<pipeline::VideoWriterSink> video;
  if (args.has("--save-video")) sinks.push_back(&video.emplace(out_dir / "annotated.mp4", source->fps()));
  std::optional<pipeline::DatasetExportSink> exporter;
  if (export_dir) sinks.push_back(&exporter.emplace(fs::path(*export_dir), export_format));
  std::optional<viewer::LiveWindow> window;
  if (show) sinks.push_back(&window.emplace(out_dir, source->size()));

  Progress progress("detecting with " + first_model, source->size());
  const pipeline::Stats stats = pipeline::run(*source, models, sinks,
                                              {.batch_size = static_cast<std::size_t>(args.get_int("--batch-size", 0)),
                                               .score_threshold = threshold,
                                               .transforms = transforms,
                                               .skip_bad = args.has("--skip-bad"),
                                               .progress = [&](std::size_t n) { progress.update(n); }});
  progress.finish();

  std::cout << first_model << " on " << source->description() << (source->live() ? " (live)" : "") << ": "
            << pipeline::timings_line(stats) << "\n";
  std::cout << "wrote " << (out_dir / "detections.jsonl").string();
  if (tracking)
    std::cout << ", " << (out_dir / "tracks.txt").string() << " (" << tracking->tracks() << " tracks, " << tracking->tracked()
              << " tracked detections)";
  if (video) std::cout << ", " << (out_dir / "annotated.mp4").string() << " (" << video->frames() << " frames)";
  std::cout << "\n";
  if (exporter && exporter->images() > 0)
    std::cout << "exported " << exporter->images() << " frames with " << exporter->boxes() << " pre-labels to "
              << *export_dir << " (" << export_format << "; open " << (fs::path(*export_dir) / "dataset.yaml").string()
              << ")\n";
  if (!stats.skipped.empty()) std::cout << "skipped " << stats.skipped.size() << " unreadable images (--skip-bad)\n";
  for (const std::string& w : source->warnings()) std::cerr << "warning: " << w << "\n";
  if (stats.interrupted_by != 0) return report_interrupted(stats, source->size());
  return 0;
}

}  // namespace ds::cli
