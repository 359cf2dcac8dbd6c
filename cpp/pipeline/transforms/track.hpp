#pragma once
// A tracker (core/trackers, no OpenCV) as a pipeline transform: each frame's detections get the
// track_id the tracker gave them (-1: none), and the tracker's output goes to tracks.txt
// (MOTChallenge results: frame from 1 = the sequence's frame + 1, MOT's 1-based pixels), every
// tracked detection whatever the score filter after it keeps. Over a dataset's frames, the tracker
// starts again at each sequence (a video file's frames, or a folder of frame images: MOT's img1/).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/trackers/tracker.hpp"
#include "pipeline/transform.hpp"

namespace ds::pipeline {

class TrackTransform final : public Transform {
 public:
  TrackTransform(std::unique_ptr<trackers::Tracker> tracker, std::optional<std::filesystem::path> tracks_file);
  std::string_view stage() const override { return "tracking"; }
  void apply(const Frame& frame, std::vector<host::RawDetection>& detections) override;
  // Writes tracks.txt (atomically: whole or not at all).
  void finish() override;
  std::size_t tracked() const { return tracked_; }
  // tracks.txt's text (written by finish() when a file was given: evaluate publishes it with its
  // other outputs), and how many dataset sequences it holds (its frame numbers restart at each).
  const std::string& tracks_text() const { return lines_; }
  std::size_t sequences() const { return sequences_; }
  std::int64_t tracks() const { return max_id_; }

 private:
  std::unique_ptr<trackers::Tracker> tracker_;
  std::optional<std::filesystem::path> tracks_file_;
  std::string lines_;
  std::vector<trackers::TrackerBox> boxes_;
  std::size_t tracked_ = 0;
  std::int64_t max_id_ = 0;
  bool finished_ = false;
  std::optional<std::string> sequence_;  // the dataset sequence of the last frame: a new one resets the tracker
  std::size_t sequence_start_ = 0;       // the frame index its first frame had
  std::size_t sequences_ = 0;
};

}  // namespace ds::pipeline
