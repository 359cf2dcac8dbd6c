#include "core/mask/segmentation.hpp"

#include "core/mask/polygon.hpp"
#include "core/util/error.hpp"

namespace ds::mask {

Rle to_rle(const Segmentation& s, std::uint32_t h, std::uint32_t w) {
  if (s.rle) return *s.rle;
  if (s.polygons.empty()) return from_counts({h * w}, h, w);
  if (h == 0 || w == 0) throw Error("polygons need the image's width and height");
  std::vector<Rle> parts;
  parts.reserve(s.polygons.size());
  // pycocotools' frPyObjects looks at the first polygon only: 4 numbers make every part a box.
  const bool boxes = s.polygons[0].size() == 4;
  for (std::size_t n = 0; n < s.polygons.size(); ++n) {
    const std::vector<double>& p = s.polygons[n];
    const std::string which = "polygon " + std::to_string(n) + ": ";
    if (boxes) {
      if (p.size() != 4) throw Error(which + "the first polygon has 4 numbers (a box) and this one " + std::to_string(p.size()));
      parts.push_back(from_box(std::span<const double, 4>(p.data(), 4), h, w));
    } else {
      if (n == 0 && p.size() < 6) throw Error(which + std::to_string(p.size()) + " numbers; a polygon needs at least 3 points");
      if (p.size() < 2) throw Error(which + "no vertices");
      try {
        parts.push_back(from_polygon(p, h, w));
      } catch (const Error& e) {
        throw Error(which + e.what());
      }
    }
  }
  return merge(parts);
}

}  // namespace ds::mask
