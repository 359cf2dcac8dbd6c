#include "pipeline/transforms/track.hpp"

#include "core/util/files.hpp"
#include "formats/mot/saved_detections.hpp"
#include "formats/sequence.hpp"

namespace ds::pipeline {

TrackTransform::TrackTransform(std::unique_ptr<trackers::Tracker> tracker, std::optional<std::filesystem::path> tracks_file)
    : tracker_(std::move(tracker)), tracks_file_(std::move(tracks_file)) {}

void TrackTransform::apply(const Frame& frame, std::vector<host::RawDetection>& detections) {
  if (frame.image) {
    std::string sequence = formats::sequence_name(*frame.image);
    if (!sequence_ || sequence != *sequence_) {
      if (sequence_) tracker_->reset();
      sequence_ = std::move(sequence);
      sequence_start_ = frame.index;
      ++sequences_;
    }
  }
  // tracks.txt numbers a sequence's frames: a video's own frame numbers, a folder's images in order
  // (as the mot format reads them back); frames of a source that is no dataset by their index.
  const Image* im = frame.image;
  const std::size_t number = !im ? frame.index : im->frame >= 0 ? static_cast<std::size_t>(im->frame) : frame.index - sequence_start_;
  boxes_.clear();
  for (const host::RawDetection& d : detections) boxes_.push_back({d.x1, d.y1, d.x2, d.y2, d.score, d.label});
  const std::vector<std::int64_t> ids = tracker_->update(boxes_);
  for (std::size_t i = 0; i < detections.size(); ++i) {
    host::RawDetection& d = detections[i];
    d.track_id = ids[i];
    if (ids[i] < 0) continue;
    ++tracked_;
    max_id_ = std::max(max_id_, ids[i]);
    // Widened before subtracting, as detections.jsonl's boxes: the two files agree.
    const double x1 = d.x1, y1 = d.y1, x2 = d.x2, y2 = d.y2;
    lines_ += mot::results_line(static_cast<std::int64_t>(number) + 1, ids[i], x1 + 1, y1 + 1, x2 - x1, y2 - y1, d.score);
  }
}

void TrackTransform::finish() {
  if (finished_ || !tracks_file_) return;
  finished_ = true;
  if (tracks_file_->has_parent_path()) std::filesystem::create_directories(tracks_file_->parent_path());
  write_file_atomic(*tracks_file_, lines_);
}

}  // namespace ds::pipeline
