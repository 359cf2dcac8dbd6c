#pragma once
// ByteTrack's Kalman filter (yolox/tracker/kalman_filter.py, as supervision 0.27 copies it): the
// state is the box's centre x, y, aspect ratio a = w / h, height h and their velocities, constant
// velocity, noise proportional to the height. Plain arrays: 8 and 8 x 8 doubles.
#include <array>

namespace ds::trackers {

using Vec8 = std::array<double, 8>;
using Mat8 = std::array<double, 64>;   // row-major
using Xyah = std::array<float, 4>;     // a measurement: float32, as numpy holds it (see byte_track)

struct KalmanState {
  Vec8 mean{};
  Mat8 covariance{};
  // numpy's dtype of `mean`: a track's mean is float32 from initiate() until the first predict or
  // update makes it float64 (the measurement is float32). It changes which precision the noise
  // terms are computed in, so it is kept to reproduce supervision's numbers.
  bool float32 = false;
};

KalmanState kalman_initiate(const Xyah& measurement);
// The predict of a batch (multi_predict): `all_float32` when every mean of the batch is float32
// (numpy then computes the batch's motion noise in float32).
void kalman_predict(KalmanState& s, bool all_float32);
void kalman_update(KalmanState& s, const Xyah& measurement);

}  // namespace ds::trackers
