// cpp/core/mask/boundary against a brute-force erosion (every pixel's whole window looked at),
// which is what cv2.erode on the authors' zero-padded mask computes.
#include <gtest/gtest.h>

#include <random>

#include "core/mask/boundary.hpp"
#include "core/mask/rle.hpp"

namespace ds::mask {
namespace {

// Column-major h x w bytes; outside the image counts as 0.
std::vector<std::uint8_t> brute_erode(const std::vector<std::uint8_t>& m, int h, int w, int r) {
  std::vector<std::uint8_t> out(m.size(), 0);
  for (int x = 0; x < w; ++x)
    for (int y = 0; y < h; ++y) {
      bool all = true;
      for (int dx = -r; dx <= r && all; ++dx)
        for (int dy = -r; dy <= r && all; ++dy) {
          const int xx = x + dx, yy = y + dy;
          all = xx >= 0 && xx < w && yy >= 0 && yy < h && m[static_cast<std::size_t>(xx) * h + yy];
        }
      out[static_cast<std::size_t>(x) * h + y] = all;
    }
  return out;
}

std::vector<std::uint8_t> minus(std::vector<std::uint8_t> a, const std::vector<std::uint8_t>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = a[i] && !b[i];
  return a;
}

// Runs of a canonical RLE: no empty run after the first, so equal masks give equal counts.
void expect_canonical(const Rle& r) {
  for (std::size_t i = 1; i < r.counts.size(); ++i) EXPECT_GT(r.counts[i], 0u) << "run " << i;
}

TEST(Boundary, DilationIsFasterCocoEvalsRounding) {
  EXPECT_EQ(boundary_dilation(480, 640, 0.02), 16);  // diagonal 800: 16.0
  EXPECT_EQ(boundary_dilation(10, 10, 0.02), 1);     // 0.28: at least 1
  // 49 x 168: diagonal 175, 0.02 * 175 = 3.5 exactly. faster-coco-eval (round(x - 1e-10))
  // gives 3; the authors' Python round() would give 4.
  EXPECT_EQ(boundary_dilation(49, 168, 0.02), 3);
  EXPECT_EQ(boundary_dilation(30, 40, 0.05), 2);     // 2.5 -> 2 for both
  EXPECT_EQ(boundary_dilation(0, 0, 0.02), 1);
}

TEST(Boundary, SquareKeepsARingOfTheDilationsWidth) {
  // 9 x 9 image, a 7 x 7 square at (1, 1): dilation 1 keeps the 5 x 5 inside.
  const int h = 9, w = 9;
  std::vector<std::uint8_t> m(h * w, 0);
  for (int x = 1; x < 8; ++x)
    for (int y = 1; y < 8; ++y) m[x * h + y] = 1;
  const Rle r = encode(m, h, w);
  EXPECT_EQ(area(erode(r, 1)), 25u);
  EXPECT_EQ(area(boundary(r, 1)), 49u - 25u);
  EXPECT_EQ(area(erode(r, 3)), 1u);  // the 7 x 7 window fits once: at the centre
  EXPECT_EQ(area(boundary(r, 3)), 48u);
  EXPECT_EQ(area(boundary(r, 4)), 49u);  // nothing survives: all boundary
}

TEST(Boundary, TheImageBorderIsBackground) {
  // A full 6 x 5 mask: the pixels next to the border go (the authors pad with zeros).
  const int h = 6, w = 5;
  const Rle full = from_counts({0, static_cast<std::uint32_t>(h * w)}, h, w);
  EXPECT_EQ(area(erode(full, 1)), 4u * 3u);
  EXPECT_EQ(decode(boundary(full, 1)), minus(decode(full), brute_erode(decode(full), h, w, 1)));
}

TEST(Boundary, EmptyAndZeroSizedMasks) {
  const Rle empty = from_counts({20}, 4, 5);
  EXPECT_EQ(decode(boundary(empty, 1)), decode(empty));
  const Rle none = from_counts({0}, 0, 0);
  EXPECT_EQ(boundary(none, 2).counts, none.counts);
}

TEST(Boundary, RunsWithEmptyRunsInside) {
  // Uncompressed counts may hold zero-length runs: [2 zeros, 3 ones, 0 zeros, 4 ones, ...] is one
  // run of 7 ones to the erosion.
  const Rle r = from_counts({2, 3, 0, 4, 11}, 5, 4);
  const std::vector<std::uint8_t> m = decode(r);
  EXPECT_EQ(decode(erode(r, 1)), brute_erode(m, 5, 4, 1));
  EXPECT_EQ(decode(boundary(r, 1)), minus(m, brute_erode(m, 5, 4, 1)));
}

TEST(Boundary, RandomMasksMatchBruteForce) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 600; ++trial) {
    const int h = 1 + static_cast<int>(rng() % 40), w = 1 + static_cast<int>(rng() % 40);
    const int r = static_cast<int>(rng() % 5);
    const int density = 50 + static_cast<int>(rng() % 50);  // percent of ones
    std::vector<std::uint8_t> m(static_cast<std::size_t>(h) * w);
    // Blobs: rectangles of ones (dense interiors, so the erosion keeps something) and noise.
    for (auto& v : m) v = static_cast<int>(rng() % 100) < density - 40;
    for (int b = 0; b < 3; ++b) {
      const int x0 = static_cast<int>(rng() % w), y0 = static_cast<int>(rng() % h);
      const int x1 = x0 + static_cast<int>(rng() % (w - x0 + 1)), y1 = y0 + static_cast<int>(rng() % (h - y0 + 1));
      for (int x = x0; x < x1; ++x)
        for (int y = y0; y < y1; ++y) m[static_cast<std::size_t>(x) * h + y] = 1;
    }
    const Rle rle = encode(m, h, w);
    const std::vector<std::uint8_t> eroded = brute_erode(m, h, w, r);
    const Rle e = erode(rle, r), b = boundary(rle, r);
    ASSERT_EQ(decode(e), eroded) << "trial " << trial << " (" << h << " x " << w << ", r " << r << ")";
    ASSERT_EQ(decode(b), minus(m, eroded)) << "trial " << trial;
    expect_canonical(e);
    if (r > 0 && h > 2 * r && w > 2 * r) expect_canonical(b);
    EXPECT_EQ(boundary_of(rle, 0.1).counts, boundary(rle, boundary_dilation(h, w, 0.1)).counts);
  }
}

}  // namespace
}  // namespace ds::mask
