#pragma once
// Per-frame detections saved earlier, for `track` to run a tracker over again and for `view` /
// `render` to draw with their track ids: detect's detections.jsonl (one line per frame, boxes in
// 0-based pixels) or a MOT Challenge detection or results file (frame,id,bb_left,bb_top,w,h,conf,...:
// 1-based frames and pixels; `track` ignores the ids).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ds::mot {

struct SavedDetection {
  double x = 0, y = 0, w = 0, h = 0;  // as written in the file (see SavedFrames::one_based)
  double score = 1;
  std::int64_t class_id = 0;  // detections.jsonl's class_id; a MOT file's class column or -1
  std::int64_t track_id = -1;  // detections.jsonl's track_id (detect --track); a MOT file's id column
};

struct SavedFrame {
  std::int64_t frame = 0;  // 1-based, as tracks.txt numbers frames
  std::int64_t image_id = -1;  // detections.jsonl's image_id (detect over a dataset's frames); -1: none
  std::vector<SavedDetection> detections;
};

struct SavedFrames {
  // Frames in order. A MOT file lists every frame from 1 to its last (frames without a line are
  // frames without detections); detections.jsonl lists the frames the model saw.
  std::vector<SavedFrame> frames;
  bool one_based = false;  // the boxes are MOT's 1-based pixels
  // detections.jsonl's class names by class_id (its "label"; the first one given wins). Empty for
  // a MOT file, which has class numbers only.
  std::map<std::int64_t, std::string> labels;
};

// .jsonl: detections.jsonl; anything else: a MOT detection file. Malformed input: ds::Error
// naming file:line.
SavedFrames read_saved_detections(const std::filesystem::path& file);

// One MOTChallenge results line, "frame,id,bb_left,bb_top,w,h,conf,-1,-1,-1\n", numbers written
// as the shortest text that reads back to the same double.
std::string results_line(std::int64_t frame, std::int64_t id, double left, double top, double w, double h, double conf);

}  // namespace ds::mot
