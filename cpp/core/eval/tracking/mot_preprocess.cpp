#include "core/eval/tracking/mot_preprocess.hpp"

#include <algorithm>
#include <unordered_map>

#include "core/eval/tracking/box_iou.hpp"
#include "core/eval/tracking/linear_assignment.hpp"
#include "core/util/error.hpp"

namespace ds::tracking {
namespace {

void check_unique(const std::vector<std::int64_t>& ids, const RawSequence& raw, std::size_t t, const char* who) {
  if (ids.size() < 2) return;
  std::vector<std::int64_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  const auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end())
    throw Error((raw.source.empty() ? raw.name : raw.source) + ": frame " + std::to_string(t + 1) + ": " + who +
                " has id " + std::to_string(*dup) +
                " more than once (an id is one object per frame)");
}

// Ids in ascending order -> 0..n-1, as TrackEval's id maps; `ids` becomes the sorted unique ids.
std::unordered_map<std::int64_t, std::int32_t> relabel(std::vector<std::int64_t>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::unordered_map<std::int64_t, std::int32_t> map;
  map.reserve(ids.size());
  for (std::size_t k = 0; k < ids.size(); ++k) map.emplace(ids[k], static_cast<std::int32_t>(k));
  return map;
}

}  // namespace

SequenceData preprocess(const RawSequence& raw, const Preprocessing& options) {
  SequenceData out;
  out.name = raw.name;
  out.frames.resize(raw.frames.size());
  std::vector<std::int64_t> all_gt, all_tracker;
  std::vector<std::vector<std::int64_t>> gt_kept(raw.frames.size()), tracker_kept(raw.frames.size());
  std::vector<double> scores;
  for (std::size_t t = 0; t < raw.frames.size(); ++t) {
    const RawFrame& f = raw.frames[t];
    check_unique(f.tracker_ids, raw, t, "the tracker");
    check_unique(f.gt_ids, raw, t, "the ground truth");
    const std::size_t n = f.gt_ids.size(), m = f.tracker_ids.size();
    const std::vector<double> sim = box_ious(f.gt_boxes, f.tracker_boxes);

    // Tracker boxes on a distractor: matched at IoU >= 0.5 by the Hungarian algorithm, then dropped.
    std::vector<char> drop(m, 0);
    if (options.remove_distractors && n > 0 && m > 0) {
      scores.resize(n * m);
      for (std::size_t k = 0; k < n * m; ++k) scores[k] = sim[k] < 0.5 - kEps ? -0.0 : -sim[k];
      const Assignment a = linear_sum_assignment(scores, n, m);
      for (std::size_t k = 0; k < a.rows.size(); ++k) {
        const double s = -scores[a.rows[k] * m + a.cols[k]];
        if (s > 0 + kEps && f.gt_roles[a.rows[k]] == GtRole::kDistractor) drop[a.cols[k]] = 1;
      }
    }
    std::vector<std::size_t> keep_cols, keep_rows;
    for (std::size_t j = 0; j < m; ++j)
      if (!drop[j]) keep_cols.push_back(j);
    for (std::size_t i = 0; i < n; ++i)
      if (!f.gt_zero_marked[i] && (!options.remove_distractors || f.gt_roles[i] == GtRole::kEvaluated))
        keep_rows.push_back(i);

    SequenceData::Frame& o = out.frames[t];
    o.similarity.resize(keep_rows.size() * keep_cols.size());
    for (std::size_t r = 0; r < keep_rows.size(); ++r)
      for (std::size_t c = 0; c < keep_cols.size(); ++c)
        o.similarity[r * keep_cols.size() + c] = sim[keep_rows[r] * m + keep_cols[c]];
    for (const std::size_t i : keep_rows) gt_kept[t].push_back(f.gt_ids[i]);
    for (const std::size_t j : keep_cols) tracker_kept[t].push_back(f.tracker_ids[j]);
    all_gt.insert(all_gt.end(), gt_kept[t].begin(), gt_kept[t].end());
    all_tracker.insert(all_tracker.end(), tracker_kept[t].begin(), tracker_kept[t].end());
    out.num_gt_dets += keep_rows.size();
    out.num_tracker_dets += keep_cols.size();
  }
  const auto gt_map = relabel(all_gt);
  const auto tracker_map = relabel(all_tracker);
  out.gt_original_ids = std::move(all_gt);
  out.tracker_original_ids = std::move(all_tracker);
  out.num_gt_ids = gt_map.size();
  out.num_tracker_ids = tracker_map.size();
  for (std::size_t t = 0; t < raw.frames.size(); ++t) {
    for (const std::int64_t id : gt_kept[t]) out.frames[t].gt_ids.push_back(gt_map.at(id));
    for (const std::int64_t id : tracker_kept[t]) out.frames[t].tracker_ids.push_back(tracker_map.at(id));
  }
  return out;
}

}  // namespace ds::tracking
