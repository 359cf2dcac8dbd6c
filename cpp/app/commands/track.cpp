// `track DETECTIONS`: a tracker over saved per-frame detections (detect's detections.jsonl, or a MOT
// detection file): DIR/tracks.txt, without running the model again. Light front.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "app/commands/commands.hpp"
#include "core/trackers/registry.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/mot/saved_detections.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

int run_track(const ParsedArgs& args) {
  const fs::path input = args.positional.at(0);
  const std::string name = args.get("--tracker").value_or("bytetrack");
  if (!trackers::is_tracker(name)) throw UsageError("--tracker: " + trackers::unknown_tracker(name));
  std::optional<fs::path> config;
  if (const auto c = args.get("--tracker-config")) config = fs::path(*c);
  const fs::path out_dir = args.get("--output").value_or("runs/track");
  const std::unique_ptr<trackers::Tracker> tracker = trackers::make_tracker(name, config);
  const mot::SavedFrames saved = mot::read_saved_detections(input);

  // MOT's 1-based pixels: a MOT file's boxes are written back as they were read, detections.jsonl's
  // moved by one pixel.
  const double to_zero = saved.one_based ? 1.0 : 0.0;
  std::string out;
  std::vector<trackers::TrackerBox> boxes;
  std::size_t detections = 0, tracked = 0;
  std::int64_t max_id = 0;
  double tracker_seconds = 0;  // in the tracker alone (the bench's number)
  for (const mot::SavedFrame& f : saved.frames) {
    boxes.clear();
    for (const mot::SavedDetection& d : f.detections) {
      const double x = d.x - to_zero, y = d.y - to_zero;
      boxes.push_back({static_cast<float>(x), static_cast<float>(y), static_cast<float>(x + d.w), static_cast<float>(y + d.h),
                       static_cast<float>(d.score), d.class_id});
    }
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<std::int64_t> ids = tracker->update(boxes);
    tracker_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    detections += boxes.size();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] < 0) continue;
      const mot::SavedDetection& d = f.detections[i];
      out += mot::results_line(f.frame, ids[i], d.x + (1.0 - to_zero), d.y + (1.0 - to_zero), d.w, d.h, d.score);
      ++tracked;
      max_id = std::max(max_id, ids[i]);
    }
  }
  fs::create_directories(out_dir);
  write_file_atomic(out_dir / "tracks.txt", out);
  char timing[96];
  std::snprintf(timing, sizeof timing, " (tracker %.4f ms/frame)",
                saved.frames.empty() ? 0.0 : 1000.0 * tracker_seconds / static_cast<double>(saved.frames.size()));
  std::cout << name << " over " << saved.frames.size() << " frames, " << detections << " detections: " << tracked
            << " tracked in " << max_id << " tracks" << timing << "\nwrote " << (out_dir / "tracks.txt").string() << "\n";
  return 0;
}

}  // namespace ds::cli
