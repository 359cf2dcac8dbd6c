#include "core/eval/tracking/sequence_input.hpp"

#include <algorithm>

#include "core/util/text.hpp"

namespace ds::tracking {
namespace {

// "Person_on_vehicle", "person on vehicle": TrackEval's names and ours (formats/mot) alike.
std::string normalised(std::string_view name) {
  std::string s = to_lower(name);
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

// TrackEval's MOT17 distractor classes (MotChallenge2DBox: person_on_vehicle, static_person,
// distractor, reflection).
bool is_distractor(const std::string& name) {
  return name == "person on vehicle" || name == "static person" || name == "distractor" || name == "reflection";
}

}  // namespace

std::string TrackingClasses::describe() const {
  return mot ? "MOT Challenge: pedestrians, distractor classes' matches removed, zero-marked lines left out"
             : "class-agnostic: every class, zero-marked (crowd) lines left out";
}

TrackingClasses tracking_classes(const Dataset& gt) {
  TrackingClasses out;
  for (const Category& c : gt.categories)
    if (normalised(c.name) == "pedestrian") {
      out.mot = true;
      out.evaluated = c.id;
    }
  for (const Category& c : gt.categories) {
    const std::string name = normalised(c.name);
    out.roles[c.id] = !out.mot || c.id == out.evaluated ? GtRole::kEvaluated
                      : is_distractor(name)              ? GtRole::kDistractor
                                                         : GtRole::kOther;
  }
  return out;
}

RawSequence raw_sequence(const Dataset& gt, std::span<const TrackerBox> boxes, const TrackingClasses& classes,
                         std::string name, std::span<const std::int64_t> image_ids) {
  RawSequence seq;
  seq.name = std::move(name);
  seq.source = gt.source;
  std::unordered_map<std::int64_t, std::size_t> frame_of;
  if (image_ids.empty()) {
    for (const Image& im : gt.images) frame_of.emplace(im.id, frame_of.size());
  } else {
    for (const std::int64_t id : image_ids) frame_of.emplace(id, frame_of.size());
  }
  seq.frames.resize(frame_of.size());
  for (const Annotation& a : gt.annotations) {
    const auto f = frame_of.find(a.image_id);
    if (f == frame_of.end()) continue;
    RawFrame& fr = seq.frames[f->second];
    fr.gt_ids.push_back(a.track_id);
    fr.gt_boxes.push_back({a.bbox.x + 1, a.bbox.y + 1, a.bbox.w, a.bbox.h});
    const auto role = classes.roles.find(a.category_id);
    fr.gt_roles.push_back(role == classes.roles.end() ? GtRole::kOther : role->second);
    fr.gt_zero_marked.push_back(a.iscrowd ? 1 : 0);
  }
  for (const TrackerBox& b : boxes) {
    const auto f = frame_of.find(b.image_id);
    if (f == frame_of.end()) continue;
    RawFrame& fr = seq.frames[f->second];
    fr.tracker_ids.push_back(b.track_id);
    fr.tracker_boxes.push_back(b.box);
  }
  return seq;
}

}  // namespace ds::tracking
