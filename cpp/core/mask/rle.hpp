#pragma once
// COCO's run-length encoded masks with the semantics of pycocotools' maskApi.c: the same
// column-major runs (first run is background), the same compressed string form, the same
// bounding box, area, union and IoU. Every function here gives the bits pycocotools gives.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ds::mask {

struct Rle {
  std::uint32_t h = 0, w = 0;
  // Alternating run lengths over the mask read column by column, starting with 0s.
  std::vector<std::uint32_t> counts;
};

// A binary mask (any non-zero byte is 1) of h x w pixels stored column-major, as numpy's
// asfortranarray gives it.
Rle encode(std::span<const std::uint8_t> column_major, std::uint32_t h, std::uint32_t w);
// Column-major bytes 0/1; h * w of them.
std::vector<std::uint8_t> decode(const Rle& rle);

std::uint32_t area(const Rle& rle);
// [x, y, w, h] of the mask's pixels; all zero for an empty mask.
std::array<double, 4> to_bbox(const Rle& rle);
// Union of masks of one size (pycocotools' merge with intersect=0); masks of different sizes
// give an empty 0 x 0 mask, as maskApi does.
Rle merge(std::span<const Rle> rles);

// The compressed "counts" string (6 bits per char, chars 48..111, deltas after the 3rd run).
std::string to_string(const Rle& rle);
// Parses a compressed "counts" string. Throws ds::Error (what is wrong, without location:
// callers add it) for a char outside 48..111, a run that does not end, or runs that do not add
// up to h * w.
Rle from_string(std::string_view counts, std::uint32_t h, std::uint32_t w);
// Uncompressed counts, checked the same way.
Rle from_counts(std::vector<std::uint32_t> counts, std::uint32_t h, std::uint32_t w);

}  // namespace ds::mask
