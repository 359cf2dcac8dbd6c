// cpp/core/mask against values pycocotools 2.0.11 gives (computed once with pycocotools.mask).
#include <gtest/gtest.h>

#include "core/mask/iou.hpp"
#include "core/mask/polygon.hpp"
#include "core/mask/rle.hpp"
#include "core/util/error.hpp"

namespace ds::mask {
namespace {

TEST(Rle, EncodesColumnMajorAsPycocotools) {
  const std::vector<std::uint8_t> m = {0, 0, 0, 0, 1, 0, 0, 0, 0};  // 3 x 3, centre pixel
  const Rle r = encode(m, 3, 3);
  EXPECT_EQ(r.counts, (std::vector<std::uint32_t>{4, 1, 4}));
  EXPECT_EQ(to_string(r), "414");
  EXPECT_EQ(decode(r), m);
  EXPECT_EQ(area(r), 1u);
}

TEST(Rle, CompressedStringsRoundTrip) {
  // pycocotools: a 40 x 50 rectangle [3:30, 5:44] with a hole [10:12, 10:20]; area 1033.
  const std::string s =
      "[6k0=00000000\\OE;;EE;;EE;;EE;;EE;;EE;;EE;;EE;;EE;;EE;;90000000000000000000000000000000000000000000000]7";
  const Rle r = from_string(s, 40, 50);
  EXPECT_EQ(area(r), 1033u);
  EXPECT_EQ(to_string(r), s);
  const auto box = to_bbox(r);
  EXPECT_EQ(box, (std::array<double, 4>{5, 3, 39, 27}));
}

TEST(Rle, BadStringsAreErrors) {
  EXPECT_THROW(from_string("0{", 4, 4), Error);        // '{' is past 'o'
  EXPECT_THROW(from_string("4", 3, 3), Error);         // 4 pixels of 9
  EXPECT_THROW(from_string("o", 3, 3), Error);         // a run that never ends
  EXPECT_THROW(from_counts({5, 5, 5}, 10, 10), Error);
}

TEST(Polygon, RasterisesAsPycocotools) {
  const double tri[6] = {1.2, 0.5, 7.8, 2.0, 4.0, 6.6};
  const Rle r = from_polygon(tri, 8, 9);
  EXPECT_EQ(to_string(r), "a0262N1OO2M`0");
  EXPECT_EQ(area(r), 16u);
  EXPECT_EQ(to_bbox(r), (std::array<double, 4>{2, 1, 5, 5}));
}

TEST(Iou, MatchesPycocotoolsWithAndWithoutCrowd) {
  const double tri[6] = {1.2, 0.5, 7.8, 2.0, 4.0, 6.6};
  const double square[8] = {0, 0, 5, 0, 5, 5, 0, 5};
  const Rle d = from_polygon(tri, 8, 9), g = from_polygon(square, 8, 9);
  const Rle* dts[] = {&d};
  const Rle* gts[] = {&g};
  double o = 0;
  const std::uint8_t plain[] = {0}, crowd[] = {1};
  iou(dts, gts, plain, std::span<double>(&o, 1));
  EXPECT_DOUBLE_EQ(o, 10.0 / 31.0);  // pycocotools: 0.32258065
  iou(dts, gts, crowd, std::span<double>(&o, 1));
  EXPECT_DOUBLE_EQ(o, 10.0 / 16.0);  // intersection / detection area: 0.625
  const Rle other = from_polygon(square, 9, 9);
  const Rle* mismatched[] = {&other};
  iou(dts, mismatched, plain, std::span<double>(&o, 1));
  EXPECT_EQ(o, -1);
}

}  // namespace
}  // namespace ds::mask
