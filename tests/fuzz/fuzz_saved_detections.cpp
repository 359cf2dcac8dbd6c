// Saved per-frame detections for `track` (formats/mot/saved_detections): the first byte picks the
// kind (even: a MOT detection file, odd: detect's detections.jsonl), the rest is the file. What the
// reader accepts is then tracked by every registered tracker, so the trackers see whatever boxes a
// reader lets through (empty, huge, far away, NaN-free but degenerate) and must neither crash nor hang.
#include "formats/mot/saved_detections.hpp"

#include "core/trackers/registry.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  if (size == 0) return 0;
  const bool jsonl = (data[0] & 1) != 0;
  const auto file = fuzz::scratch() / (jsonl ? "detections.jsonl" : "det.txt");
  fuzz::write(file, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  fuzz::expect_clean([&] {
    const mot::SavedFrames saved = mot::read_saved_detections(file);
    if (saved.frames.size() > 10000) return;  // a far frame number: many empty frames, nothing new
    for (const std::string& name : trackers::tracker_names()) {
      const auto tracker = trackers::make_tracker(name, static_cast<const ConfigNode*>(nullptr));
      std::vector<trackers::TrackerBox> boxes;
      for (const mot::SavedFrame& f : saved.frames) {
        boxes.clear();
        for (const mot::SavedDetection& d : f.detections)
          boxes.push_back({static_cast<float>(d.x), static_cast<float>(d.y), static_cast<float>(d.x + d.w),
                           static_cast<float>(d.y + d.h), static_cast<float>(d.score), d.class_id});
        if (tracker->update(boxes).size() != boxes.size()) std::abort();
      }
    }
  });
  return 0;
}
