#include "core/trackers/kalman_filter.hpp"

#include <cmath>

namespace ds::trackers {
namespace {

constexpr double kStdPosition = 1.0 / 20;
constexpr double kStdVelocity = 1.0 / 160;

}  // namespace

KalmanState kalman_initiate(const Xyah& m) {
  KalmanState s;
  s.float32 = true;
  for (int i = 0; i < 4; ++i) s.mean[i] = m[i];
  // `2 * 0.05 * measurement[3]`: a Python float times a numpy float32 is float32 (NEP 50); the
  // list then becomes a float64 array and is squared in float64.
  const float h = m[3];
  const double p = static_cast<float>(2 * kStdPosition) * h, v = static_cast<float>(10 * kStdVelocity) * h;
  const double std[8] = {p, p, 1e-2, p, v, v, 1e-5, v};
  for (int i = 0; i < 8; ++i) s.covariance[i * 8 + i] = std[i] * std[i];
  return s;
}

void kalman_predict(KalmanState& s, bool all_float32) {
  double q[8];
  if (all_float32) {
    // The batch's means are float32: std and its square are float32 too.
    const float h = static_cast<float>(s.mean[3]);
    const float p = static_cast<float>(kStdPosition) * h, v = static_cast<float>(kStdVelocity) * h;
    const float a = 1e-2f, va = 1e-5f;
    const float sq[8] = {p * p, p * p, a * a, p * p, v * v, v * v, va * va, v * v};
    for (int i = 0; i < 8; ++i) q[i] = sq[i];
  } else {
    const double h = s.mean[3];
    const double p = kStdPosition * h, v = kStdVelocity * h;
    const double sd[8] = {p, p, 1e-2, p, v, v, 1e-5, v};
    for (int i = 0; i < 8; ++i) q[i] = sd[i] * sd[i];
  }
  Vec8& x = s.mean;
  for (int i = 0; i < 4; ++i) x[i] = x[i] + x[i + 4];
  // F P F^T with F = [[I, I], [0, I]]: each entry is at most two sums of two terms, in numpy's order.
  const Mat8 P = s.covariance;
  Mat8 fp;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) fp[i * 8 + j] = i < 4 ? P[i * 8 + j] + P[(i + 4) * 8 + j] : P[i * 8 + j];
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) {
      const double f = j < 4 ? fp[i * 8 + j] + fp[i * 8 + j + 4] : fp[i * 8 + j];
      s.covariance[i * 8 + j] = f + (i == j ? q[i] : 0.0);
    }
  s.float32 = false;
}

void kalman_update(KalmanState& s, const Xyah& z) {
  // project(): the innovation noise from mean[3] in the mean's own precision, squared in float64.
  const double h = s.float32 ? static_cast<double>(static_cast<float>(kStdPosition) * static_cast<float>(s.mean[3]))
                             : kStdPosition * s.mean[3];
  const double r[4] = {h * h, h * h, 1e-1 * 1e-1, h * h};
  const Mat8& P = s.covariance;
  double S[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) S[i][j] = P[i * 8 + j] + (i == j ? r[i] : 0.0);
  // Cholesky S = L L^T (LAPACK's potrf), then K^T = S^-1 (P H^T)^T by two triangular solves.
  double L[4][4] = {};
  for (int j = 0; j < 4; ++j) {
    double d = S[j][j];
    for (int k = 0; k < j; ++k) d -= L[j][k] * L[j][k];
    L[j][j] = std::sqrt(d);
    for (int i = j + 1; i < 4; ++i) {
      double v = S[i][j];
      for (int k = 0; k < j; ++k) v -= L[i][k] * L[j][k];
      L[i][j] = v / L[j][j];
    }
  }
  double K[8][4];  // the gain, 8 x 4
  for (int c = 0; c < 8; ++c) {
    double y[4];
    for (int i = 0; i < 4; ++i) {
      double v = P[c * 8 + i];  // (P H^T)^T[i][c] = P[c][i]
      for (int k = 0; k < i; ++k) v -= L[i][k] * y[k];
      y[i] = v / L[i][i];
    }
    for (int i = 3; i >= 0; --i) {
      double v = y[i];
      for (int k = i + 1; k < 4; ++k) v -= L[k][i] * K[c][k];
      K[c][i] = v / L[i][i];
    }
  }
  double innovation[4];
  for (int i = 0; i < 4; ++i) innovation[i] = static_cast<double>(z[i]) - s.mean[i];
  for (int c = 0; c < 8; ++c) {
    double d = 0;
    for (int i = 0; i < 4; ++i) d += innovation[i] * K[c][i];
    s.mean[c] += d;
  }
  // P - K S K^T
  double KS[8][4];
  for (int c = 0; c < 8; ++c)
    for (int j = 0; j < 4; ++j) {
      double v = 0;
      for (int k = 0; k < 4; ++k) v += K[c][k] * S[k][j];
      KS[c][j] = v;
    }
  for (int a = 0; a < 8; ++a)
    for (int b = 0; b < 8; ++b) {
      double v = 0;
      for (int k = 0; k < 4; ++k) v += KS[a][k] * K[b][k];
      s.covariance[a * 8 + b] -= v;
    }
  s.float32 = false;
}

}  // namespace ds::trackers
