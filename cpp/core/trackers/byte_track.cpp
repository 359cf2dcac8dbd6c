#include "core/trackers/byte_track.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "core/config/config_node.hpp"
#include "core/trackers/association.hpp"

namespace ds::trackers {

enum class TrackState { kNew, kTracked, kLost, kRemoved };

// supervision's STrack: a detection of the frame, and once activated, a track.
struct ByteTrack::Track {
  TrackState state = TrackState::kNew;
  bool is_activated = false;
  std::int64_t start_frame = 0, frame_id = 0;
  std::array<float, 4> tlwh32{};  // the detection's box, float32 (STrack._tlwh)
  bool has_kalman = false;
  KalmanState kalman;
  float score = 0;
  std::int64_t tracklet_len = 0;
  std::int64_t internal_id = -1, external_id = -1;

  // tlwh then tlbr, in the precision numpy computes them in: the mean's dtype (float32 until the
  // first predict or update), or the detection's float32 box when there is no mean yet.
  std::array<double, 4> tlbr() const {
    if (!has_kalman || kalman.float32) {
      std::array<float, 4> t = tlwh32;
      if (has_kalman) {
        for (int i = 0; i < 4; ++i) t[i] = static_cast<float>(kalman.mean[i]);
        t[2] *= t[3];
        t[0] -= t[2] / 2;
        t[1] -= t[3] / 2;
      }
      return {t[0], t[1], t[2] + t[0], t[3] + t[1]};
    }
    double t[4] = {kalman.mean[0], kalman.mean[1], kalman.mean[2], kalman.mean[3]};
    t[2] *= t[3];
    t[0] -= t[2] / 2;
    t[1] -= t[3] / 2;
    return {t[0], t[1], t[2] + t[0], t[3] + t[1]};
  }
  bool float64() const { return has_kalman && !kalman.float32; }
  // tlwh_to_xyah of the detection's float32 box.
  Xyah xyah() const {
    const auto& t = tlwh32;
    return {t[0] + t[2] / 2, t[1] + t[3] / 2, t[2] / t[3], t[3]};
  }
};

ByteTrackParams ByteTrackParams::from_config(const ConfigNode& c) {
  static const std::vector<std::string> known = {"type", "track_activation_threshold", "lost_track_buffer",
                                                 "minimum_matching_threshold", "frame_rate", "minimum_consecutive_frames"};
  c.only_keys(known);
  ByteTrackParams p;
  p.track_activation_threshold = c.number_or("track_activation_threshold", p.track_activation_threshold);
  p.lost_track_buffer = c.integer_or("lost_track_buffer", p.lost_track_buffer);
  p.minimum_matching_threshold = c.number_or("minimum_matching_threshold", p.minimum_matching_threshold);
  p.frame_rate = c.integer_or("frame_rate", p.frame_rate);
  p.minimum_consecutive_frames = c.integer_or("minimum_consecutive_frames", p.minimum_consecutive_frames);
  if (!(p.track_activation_threshold >= 0 && p.track_activation_threshold <= 1))
    c.fail("track_activation_threshold", "must be between 0 and 1");
  if (!(p.minimum_matching_threshold >= 0 && p.minimum_matching_threshold <= 1))
    c.fail("minimum_matching_threshold", "must be between 0 and 1");
  if (p.lost_track_buffer < 0) c.fail("lost_track_buffer", "must be 0 or more");
  if (p.frame_rate < 1) c.fail("frame_rate", "must be 1 or more");
  if (p.minimum_consecutive_frames < 1) c.fail("minimum_consecutive_frames", "must be 1 or more");
  return p;
}

ByteTrack::ByteTrack(ByteTrackParams params)
    : params_(params),
      // `track_activation_threshold + 0.1`, compared with float32 scores (NEP 50)
      det_thresh_(static_cast<float>(params.track_activation_threshold + 0.1)),
      // int(frame_rate / 30.0 * lost_track_buffer)
      max_time_lost_(static_cast<std::int64_t>(static_cast<double>(params.frame_rate) / 30.0 *
                                               static_cast<double>(params.lost_track_buffer))) {}

ByteTrack::~ByteTrack() = default;

void ByteTrack::reset() {
  frame_id_ = 0;
  next_internal_id_ = 0;
  next_external_id_ = 1;
  tracked_.clear();
  lost_.clear();
  removed_.clear();
}

ByteTrack::TrackPtr ByteTrack::new_detection(const TrackerBox& d) const {
  auto t = std::make_shared<Track>();
  t->tlwh32 = {d.x1, d.y1, d.x2 - d.x1, d.y2 - d.y1};
  t->score = d.score;
  return t;
}

namespace {

using TrackPtr = std::shared_ptr<ByteTrack::Track>;

BoxList boxes_of(const std::vector<TrackPtr>& tracks) {
  BoxList l;
  l.corners.reserve(tracks.size());
  for (const TrackPtr& t : tracks) {
    l.corners.push_back(t->tlbr());
    l.float64 = l.float64 || t->float64();
  }
  return l;
}

std::vector<float> iou_cost(const std::vector<TrackPtr>& a, const std::vector<TrackPtr>& b) {
  return iou_distance(boxes_of(a), boxes_of(b));
}

void fuse(std::vector<float>& cost, std::size_t rows, const std::vector<TrackPtr>& detections) {
  std::vector<float> scores;
  scores.reserve(detections.size());
  for (const TrackPtr& d : detections) scores.push_back(d->score);
  fuse_score(cost, rows, scores);
}

// joint_tracks: a then b, without a second track of the same internal id.
std::vector<TrackPtr> joint(const std::vector<TrackPtr>& a, const std::vector<TrackPtr>& b) {
  std::unordered_set<std::int64_t> seen;
  std::vector<TrackPtr> out;
  out.reserve(a.size() + b.size());
  for (const auto* l : {&a, &b})
    for (const TrackPtr& t : *l)
      if (seen.insert(t->internal_id).second) out.push_back(t);
  return out;
}

// sub_tracks: a without the internal ids of b, in a's order (a dict keeps first positions).
std::vector<TrackPtr> sub(const std::vector<TrackPtr>& a, const std::vector<TrackPtr>& b) {
  std::unordered_set<std::int64_t> drop;
  for (const TrackPtr& t : b) drop.insert(t->internal_id);
  std::vector<TrackPtr> out;
  std::unordered_set<std::int64_t> seen;
  for (const TrackPtr& t : a)
    if (!drop.contains(t->internal_id) && seen.insert(t->internal_id).second) out.push_back(t);
  return out;
}

}  // namespace

std::vector<ByteTrack::TrackPtr> ByteTrack::step(std::span<const TrackerBox> input) {
  ++frame_id_;
  const std::int64_t frame = frame_id_;
  std::vector<TrackPtr> activated, refind, lost, removed;

  // `scores > threshold` on float32 scores: the threshold as float32. A score equal to the
  // activation threshold is in neither set (as upstream).
  const float high = static_cast<float>(params_.track_activation_threshold), low = static_cast<float>(0.1);
  std::vector<TrackPtr> detections, detections_second;
  for (const TrackerBox& d : input)
    if (d.score > high) detections.push_back(new_detection(d));
  for (const TrackerBox& d : input)
    if (d.score > low && d.score < high) detections_second.push_back(new_detection(d));

  std::vector<TrackPtr> unconfirmed, tracked;
  for (const TrackPtr& t : tracked_) (t->is_activated ? tracked : unconfirmed).push_back(t);

  // First association: tracked and lost tracks, predicted, against the high-score detections.
  std::vector<TrackPtr> pool = joint(tracked, lost_);
  const bool all_float32 = std::all_of(pool.begin(), pool.end(), [](const TrackPtr& t) { return t->kalman.float32; });
  for (const TrackPtr& t : pool) {
    if (t->state != TrackState::kTracked) t->kalman.mean[7] = 0;
    kalman_predict(t->kalman, all_float32);
  }
  const auto update = [&](Track& t, const Track& det) {
    t.frame_id = frame;
    ++t.tracklet_len;
    kalman_update(t.kalman, det.xyah());
    t.state = TrackState::kTracked;
    if (t.tracklet_len == params_.minimum_consecutive_frames) {
      t.is_activated = true;
      if (t.external_id == -1) t.external_id = next_external_id_++;
    }
    t.score = det.score;
  };
  const auto re_activate = [&](Track& t, const Track& det) {
    kalman_update(t.kalman, det.xyah());
    t.tracklet_len = 0;
    t.state = TrackState::kTracked;
    t.frame_id = frame;
    t.score = det.score;
  };
  const auto match = [&](const TrackPtr& t, const TrackPtr& det) {
    if (t->state == TrackState::kTracked) {
      update(*t, *det);
      activated.push_back(t);
    } else {
      re_activate(*t, *det);
      refind.push_back(t);
    }
  };
  std::vector<float> cost = iou_cost(pool, detections);
  fuse(cost, pool.size(), detections);
  const Matching first = linear_assignment(std::move(cost), pool.size(), detections.size(), params_.minimum_matching_threshold);
  for (const auto& [it, id] : first.matches) match(pool[it], detections[id]);

  // Second association: the tracked ones left against the low-score detections, IoU alone.
  std::vector<TrackPtr> r_tracked;
  for (const std::size_t i : first.unmatched_rows)
    if (pool[i]->state == TrackState::kTracked) r_tracked.push_back(pool[i]);
  const Matching second = linear_assignment(iou_cost(r_tracked, detections_second), r_tracked.size(),
                                            detections_second.size(), 0.5);
  for (const auto& [it, id] : second.matches) match(r_tracked[it], detections_second[id]);
  for (const std::size_t it : second.unmatched_rows) {
    const TrackPtr& t = r_tracked[it];
    if (t->state != TrackState::kLost) {
      t->state = TrackState::kLost;
      lost.push_back(t);
    }
  }

  // Unconfirmed tracks (one frame old, never predicted) against the high-score detections left.
  std::vector<TrackPtr> left;
  for (const std::size_t i : first.unmatched_cols) left.push_back(detections[i]);
  cost = iou_cost(unconfirmed, left);
  fuse(cost, unconfirmed.size(), left);
  const Matching third = linear_assignment(std::move(cost), unconfirmed.size(), left.size(), 0.7);
  for (const auto& [it, id] : third.matches) {
    update(*unconfirmed[it], *left[id]);
    activated.push_back(unconfirmed[it]);
  }
  for (const std::size_t it : third.unmatched_rows) {
    unconfirmed[it]->state = TrackState::kRemoved;
    removed.push_back(unconfirmed[it]);
  }

  // New tracks.
  for (const std::size_t i : third.unmatched_cols) {
    Track& t = *left[i];
    if (t.score < det_thresh_) continue;
    t.internal_id = next_internal_id_++;
    t.kalman = kalman_initiate(t.xyah());
    t.has_kalman = true;
    t.tracklet_len = 0;
    t.state = TrackState::kTracked;
    if (frame == 1) t.is_activated = true;
    if (params_.minimum_consecutive_frames == 1) t.external_id = next_external_id_++;
    t.frame_id = frame;
    t.start_frame = frame;
    activated.push_back(left[i]);
  }

  for (const TrackPtr& t : lost_)
    if (frame - t->frame_id > max_time_lost_) {
      t->state = TrackState::kRemoved;
      removed.push_back(t);
    }

  std::erase_if(tracked_, [](const TrackPtr& t) { return t->state != TrackState::kTracked; });
  tracked_ = joint(tracked_, activated);
  tracked_ = joint(tracked_, refind);
  lost_ = sub(lost_, tracked_);
  lost_.insert(lost_.end(), lost.begin(), lost.end());
  // The previous frame's removed tracks: a lost track removed now stays in lost_ one more frame
  // (and can be found again there), as in supervision and upstream.
  lost_ = sub(lost_, removed_);
  removed_ = std::move(removed);

  // remove_duplicate_tracks: a tracked and a lost track overlapping by IoU > 0.85, the younger goes.
  const std::vector<float> d = iou_cost(tracked_, lost_);
  std::set<std::size_t> dup_a, dup_b;
  for (std::size_t i = 0; i < tracked_.size(); ++i)
    for (std::size_t j = 0; j < lost_.size(); ++j)
      if (d[i * lost_.size() + j] < static_cast<float>(0.15)) {
        const std::int64_t time_a = tracked_[i]->frame_id - tracked_[i]->start_frame;
        const std::int64_t time_b = lost_[j]->frame_id - lost_[j]->start_frame;
        if (time_a > time_b)
          dup_b.insert(j);
        else
          dup_a.insert(i);
      }
  if (!dup_a.empty() || !dup_b.empty()) {
    std::vector<TrackPtr> a, b;
    for (std::size_t i = 0; i < tracked_.size(); ++i)
      if (!dup_a.contains(i)) a.push_back(tracked_[i]);
    for (std::size_t j = 0; j < lost_.size(); ++j)
      if (!dup_b.contains(j)) b.push_back(lost_[j]);
    tracked_ = std::move(a);
    lost_ = std::move(b);
  }
  std::vector<TrackPtr> out;
  for (const TrackPtr& t : tracked_)
    if (t->is_activated) out.push_back(t);
  return out;
}

std::vector<std::int64_t> ByteTrack::update(std::span<const TrackerBox> detections) {
  const std::vector<TrackPtr> tracks = step(detections);
  std::vector<std::int64_t> ids(detections.size(), -1);
  if (tracks.empty() || detections.empty()) return ids;
  // update_with_detections: each output track's box back to the frame's detections, by an
  // assignment on 1 - IoU up to 0.5; the id is the track's external id (-1 before
  // minimum_consecutive_frames updates: that detection is then not tracked).
  BoxList dets;
  dets.corners.reserve(detections.size());
  for (const TrackerBox& d : detections) dets.corners.push_back({d.x1, d.y1, d.x2, d.y2});
  const Matching m = linear_assignment(iou_distance(dets, boxes_of(tracks)), detections.size(), tracks.size(), 0.5);
  for (const auto& [i, t] : m.matches) ids[i] = tracks[t]->external_id;
  return ids;
}

}  // namespace ds::trackers
