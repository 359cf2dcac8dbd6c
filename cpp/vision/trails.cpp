#include "vision/trails.hpp"

namespace ds::vision {

template <class Record>
void TrailHistory::add_frame(std::span<const Record> frame) {
  for (const Record& r : frame) {
    if (r.track_id < 0) continue;
    Track& t = tracks_[r.track_id];
    t.points.emplace_back(r.bbox.x + r.bbox.w / 2, r.bbox.y + r.bbox.h / 2);
    if (t.points.size() > length_) t.points.erase(t.points.begin());
    t.last_seen = frames_;
  }
  std::erase_if(tracks_, [&](const auto& e) { return frames_ - e.second.last_seen > length_; });
  ++frames_;
}

void TrailHistory::add(std::span<const Detection> frame) { add_frame(frame); }
void TrailHistory::add(std::span<const Annotation> frame) { add_frame(frame); }

std::vector<Trail> TrailHistory::trails() const {
  std::vector<Trail> out;
  out.reserve(tracks_.size());
  for (const auto& [id, t] : tracks_) out.push_back({id, t.points, truth_});
  return out;
}

}  // namespace ds::vision
