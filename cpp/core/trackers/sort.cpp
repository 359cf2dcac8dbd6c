#include "core/trackers/sort.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/config/config_node.hpp"
#include "core/eval/tracking/linear_assignment.hpp"

namespace ds::trackers {
namespace {

using Box = std::array<double, 4>;  // x1, y1, x2, y2

// convert_bbox_to_z
std::array<double, 4> to_z(const Box& b) {
  const double w = b[2] - b[0], h = b[3] - b[1];
  return {b[0] + w / 2., b[1] + h / 2., w * h, w / h};
}

// convert_x_to_bbox
Box to_box(const double* x) {
  const double w = std::sqrt(x[2] * x[3]);
  const double h = x[2] / w;
  return {x[0] - w / 2., x[1] - h / 2., x[0] + w / 2., x[1] + h / 2.};
}

// iou_batch: det x track.
double iou(const Box& a, const Box& b) {
  const double w = std::max(0., std::min(a[2], b[2]) - std::max(a[0], b[0]));
  const double h = std::max(0., std::min(a[3], b[3]) - std::max(a[1], b[1]));
  const double wh = w * h;
  const double o = wh / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - wh);
  // Two empty boxes give 0 / 0 (sort.py's NaN would stop scipy's solver): no overlap.
  return std::isnan(o) ? 0.0 : o;
}

Sort::Track new_track(const Box& b, std::int64_t id) {
  Sort::Track t;
  const auto z = to_z(b);
  for (int i = 0; i < 4; ++i) t.x[i] = z[i];
  // P = eye; P[4:, 4:] *= 1000; P *= 10
  for (int i = 0; i < 7; ++i) t.P[i * 7 + i] = (i >= 4 ? 1000. : 1.) * 10.;
  t.id = id;
  return t;
}

// filterpy's predict with F (x += velocity for cx, cy, area) and Q = diag(1, 1, 1, 1, .01, .01, .0001).
void predict_track(Sort::Track& t) {
  if (t.x[6] + t.x[2] <= 0) t.x[6] *= 0.0;
  for (int i = 0; i < 3; ++i) t.x[i] += t.x[i + 4];
  double FP[49];
  for (int r = 0; r < 7; ++r)
    for (int c = 0; c < 7; ++c) FP[r * 7 + c] = t.P[r * 7 + c] + (r < 3 ? t.P[(r + 4) * 7 + c] : 0.0);
  static constexpr double q[7] = {1, 1, 1, 1, 0.01, 0.01, 0.0001};
  for (int r = 0; r < 7; ++r)
    for (int c = 0; c < 7; ++c) t.P[r * 7 + c] = FP[r * 7 + c] + (c < 3 ? FP[r * 7 + c + 4] : 0.0) + (r == c ? q[r] : 0.0);
  t.age += 1;
  if (t.time_since_update > 0) t.hit_streak = 0;
  t.time_since_update += 1;
}

// 4 x 4 inverse by Gauss-Jordan with partial pivoting (numpy's inv: LU with partial pivoting).
void invert4(const double* m, double* out) {
  double a[4][8];
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 8; ++c) a[r][c] = c < 4 ? m[r * 4 + c] : (c - 4 == r ? 1.0 : 0.0);
  for (int col = 0; col < 4; ++col) {
    int pivot = col;
    for (int r = col + 1; r < 4; ++r)
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    if (pivot != col)
      for (int c = 0; c < 8; ++c) std::swap(a[col][c], a[pivot][c]);
    const double d = a[col][col];
    for (int c = 0; c < 8; ++c) a[col][c] /= d;
    for (int r = 0; r < 4; ++r) {
      if (r == col) continue;
      const double f = a[r][col];
      for (int c = 0; c < 8; ++c) a[r][c] -= f * a[col][c];
    }
  }
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) out[r * 4 + c] = a[r][c + 4];
}

// filterpy's update: R = diag(1, 1, 10, 10), H = [I 0], P = (I - KH) P (I - KH)^T + K R K^T.
void update_track(Sort::Track& t, const Box& b) {
  t.time_since_update = 0;
  t.hits += 1;
  t.hit_streak += 1;
  const auto z = to_z(b);
  static constexpr double R[4] = {1, 1, 10, 10};
  double S[16], SI[16], K[28];
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) S[r * 4 + c] = t.P[r * 7 + c] + (r == c ? R[r] : 0.0);
  invert4(S, SI);
  for (int r = 0; r < 7; ++r)
    for (int c = 0; c < 4; ++c) {
      double v = 0;
      for (int k = 0; k < 4; ++k) v += t.P[r * 7 + k] * SI[k * 4 + c];
      K[r * 4 + c] = v;
    }
  double y[4];
  for (int i = 0; i < 4; ++i) y[i] = z[i] - t.x[i];
  for (int r = 0; r < 7; ++r) {
    double v = 0;
    for (int k = 0; k < 4; ++k) v += K[r * 4 + k] * y[k];
    t.x[r] += v;
  }
  double A[49];  // I - K H
  for (int r = 0; r < 7; ++r)
    for (int c = 0; c < 7; ++c) A[r * 7 + c] = (r == c ? 1.0 : 0.0) - (c < 4 ? K[r * 4 + c] : 0.0);
  double AP[49], P[49];
  for (int r = 0; r < 7; ++r)
    for (int c = 0; c < 7; ++c) {
      double v = 0;
      for (int k = 0; k < 7; ++k) v += A[r * 7 + k] * t.P[k * 7 + c];
      AP[r * 7 + c] = v;
    }
  for (int r = 0; r < 7; ++r)
    for (int c = 0; c < 7; ++c) {
      double v = 0;
      for (int k = 0; k < 7; ++k) v += AP[r * 7 + k] * A[c * 7 + k];
      double kr = 0;
      for (int k = 0; k < 4; ++k) kr += K[r * 4 + k] * R[k] * K[c * 4 + k];
      P[r * 7 + c] = v + kr;
    }
  std::copy(std::begin(P), std::end(P), t.P);
}

}  // namespace

SortParams SortParams::from_config(const ConfigNode& c) {
  static const std::vector<std::string> known = {"type", "max_age", "min_hits", "iou_threshold"};
  c.only_keys(known);
  SortParams p;
  p.max_age = c.integer_or("max_age", p.max_age);
  p.min_hits = c.integer_or("min_hits", p.min_hits);
  p.iou_threshold = c.number_or("iou_threshold", p.iou_threshold);
  if (p.max_age < 0) c.fail("max_age", "must be 0 or more");
  if (p.min_hits < 0) c.fail("min_hits", "must be 0 or more");
  if (!(p.iou_threshold >= 0 && p.iou_threshold <= 1)) c.fail("iou_threshold", "must be between 0 and 1");
  return p;
}

void Sort::reset() {
  tracks_.clear();
  frame_count_ = 0;
  next_id_ = 0;
}

std::vector<std::int64_t> Sort::update(std::span<const TrackerBox> input) {
  ++frame_count_;
  // Predicted boxes; a track whose prediction is not finite is dropped (np.ma.masked_invalid).
  std::vector<Box> predicted;
  for (std::size_t t = 0; t < tracks_.size();) {
    predict_track(tracks_[t]);
    const Box b = to_box(tracks_[t].x);
    if (std::any_of(b.begin(), b.end(), [](double v) { return std::isnan(v); })) {
      tracks_.erase(tracks_.begin() + static_cast<std::ptrdiff_t>(t));
      continue;
    }
    predicted.push_back(b);
    ++t;
  }
  std::vector<Box> dets;
  for (const TrackerBox& d : input) dets.push_back({d.x1, d.y1, d.x2, d.y2});

  // associate_detections_to_trackers
  const std::size_t nd = dets.size(), nt = predicted.size();
  std::vector<std::pair<std::size_t, std::size_t>> candidates;
  std::vector<double> ious(nd * nt);
  for (std::size_t i = 0; i < nd; ++i)
    for (std::size_t j = 0; j < nt; ++j) ious[i * nt + j] = iou(dets[i], predicted[j]);
  if (nd > 0 && nt > 0) {
    std::vector<int> row(nd, 0), col(nt, 0);
    for (std::size_t i = 0; i < nd; ++i)
      for (std::size_t j = 0; j < nt; ++j)
        if (ious[i * nt + j] > params_.iou_threshold) ++row[i], ++col[j];
    if (*std::max_element(row.begin(), row.end()) == 1 && *std::max_element(col.begin(), col.end()) == 1) {
      for (std::size_t i = 0; i < nd; ++i)
        for (std::size_t j = 0; j < nt; ++j)
          if (ious[i * nt + j] > params_.iou_threshold) candidates.emplace_back(i, j);
    } else {
      std::vector<double> cost(ious.size());
      for (std::size_t k = 0; k < ious.size(); ++k) cost[k] = -ious[k];
      const tracking::Assignment a = tracking::linear_sum_assignment(cost, nd, nt);
      for (std::size_t k = 0; k < a.rows.size(); ++k) candidates.emplace_back(a.rows[k], a.cols[k]);
    }
  }
  std::vector<char> det_matched(nd, 0);
  std::vector<std::pair<std::size_t, std::size_t>> matches;
  for (const auto& [i, j] : candidates)
    if (!(ious[i * nt + j] < params_.iou_threshold)) {
      matches.emplace_back(i, j);
      det_matched[i] = 1;
    }
  // Which track each detection went to (its index in tracks_ after the additions).
  std::vector<std::ptrdiff_t> track_of(nd, -1);
  for (const auto& [i, j] : matches) {
    update_track(tracks_[j], dets[i]);
    track_of[i] = static_cast<std::ptrdiff_t>(j);
  }
  // New tracks in the order sort.py lists the unmatched detections: never matched ascending, then
  // those whose match fell below the threshold, in match order.
  std::vector<std::size_t> unmatched;
  std::vector<char> in_candidates(nd, 0);
  for (const auto& [i, j] : candidates) in_candidates[i] = 1;
  for (std::size_t i = 0; i < nd; ++i)
    if (!in_candidates[i]) unmatched.push_back(i);
  for (const auto& [i, j] : candidates)
    if (!det_matched[i]) unmatched.push_back(i);
  for (const std::size_t i : unmatched) {
    track_of[i] = static_cast<std::ptrdiff_t>(tracks_.size());
    tracks_.push_back(new_track(dets[i], next_id_++));
  }
  // Output (ids from 1, as sort.py adds to MOT), then the dead tracks go.
  std::vector<std::int64_t> ids(nd, -1);
  for (std::size_t i = 0; i < nd; ++i) {
    const Track& t = tracks_[static_cast<std::size_t>(track_of[i])];
    if (t.time_since_update < 1 && (t.hit_streak >= params_.min_hits || frame_count_ <= params_.min_hits)) ids[i] = t.id + 1;
  }
  std::erase_if(tracks_, [&](const Track& t) { return t.time_since_update > params_.max_age; });
  return ids;
}

}  // namespace ds::trackers
