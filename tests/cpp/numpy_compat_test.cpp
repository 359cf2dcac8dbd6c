#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/eval/coco/numpy_compat.hpp"
#include "core/eval/coco/params.hpp"

using namespace ds::coco;

namespace {
std::uint64_t bits(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}
}  // namespace

TEST(NumpyCompat, LinspaceMatchesNumpyBitForBit) {
  // np.linspace(.5, .95, 10) and np.linspace(0, 1, 101): values printed by NumPy 2.4 with repr().
  const auto iou = linspace(0.5, 0.95, 10);
  EXPECT_EQ(bits(iou[1]), bits(0.55));
  EXPECT_EQ(bits(iou[2]), bits(0.6));
  EXPECT_EQ(bits(iou[5]), bits(0.75));
  EXPECT_EQ(bits(iou[6]), bits(0.8));
  EXPECT_EQ(bits(iou[7]), bits(0.85));
  EXPECT_EQ(bits(iou[9]), bits(0.95));
  const auto rec = linspace(0.0, 1.0, 101);
  EXPECT_EQ(bits(rec[3]), bits(0.03));
  EXPECT_EQ(bits(rec[7]), bits(0.07));
  EXPECT_EQ(bits(rec[29]), bits(0.29));
  EXPECT_EQ(bits(rec[57]), bits(0.5700000000000001));
  EXPECT_EQ(bits(rec[100]), bits(1.0));
}

TEST(NumpyCompat, PairwiseSumDiffersFromNaiveWhereNumpyDoes) {
  // 0.1 repeated: NumPy's pairwise sum of 1000 copies gives 100.00000000000001 (repr), the
  // naive left-to-right sum 99.9999999999986.
  const std::vector<double> v(1000, 0.1);
  EXPECT_EQ(pairwise_sum(v), 100.00000000000001);
  double naive = 0;
  for (double x : v) naive += x;
  EXPECT_NE(naive, pairwise_sum(v));
}

TEST(NumpyCompat, DefaultsAreCocoParams) {
  const Params p = Params::defaults();
  EXPECT_EQ(p.iou_thrs.size(), 10u);
  EXPECT_EQ(p.rec_thrs.size(), 101u);
  EXPECT_EQ(p.area_rng[1][1], 1024.0);
  EXPECT_EQ(p.area_rng[2][1], 9216.0);
  EXPECT_EQ(p.max_dets, (std::vector<int>{1, 10, 100}));
}
