#include "core/mask/segmentation.hpp"

#include "core/mask/polygon.hpp"
#include "core/util/error.hpp"

namespace ds::mask {

Segmentation box_segmentation(double x, double y, double w, double h) {
  const double x2 = x + w, y2 = y + h;
  Segmentation s;
  s.polygons.push_back({x, y, x, y2, x2, y2, x2, y});
  return s;
}

std::optional<std::string> polygons_problem(const Segmentation& s) {
  for (std::size_t n = 0; n < s.polygons.size(); ++n) {
    const std::size_t size = s.polygons[n].size();
    const std::string which = "polygon " + std::to_string(n) + ": ";
    // pycocotools 2.0.11 fails when the first part has fewer than 6 numbers (with 4 it tries to
    // read boxes and raises); a later short part it rasterises as a line or a point, as here.
    if (n == 0 && size < 6) return which + std::to_string(size) + " numbers; a polygon needs at least 3 points";
    if (size < 2) return which + "no vertices";
  }
  return std::nullopt;
}

Rle to_rle(const Segmentation& s, std::uint32_t h, std::uint32_t w) {
  if (s.rle) return *s.rle;
  if (s.polygons.empty()) return from_counts({h * w}, h, w);
  if (h == 0 || w == 0) throw Error("polygons need the image's width and height");
  if (const auto problem = polygons_problem(s)) throw Error(*problem);
  std::vector<Rle> parts;
  parts.reserve(s.polygons.size());
  for (std::size_t n = 0; n < s.polygons.size(); ++n) {
    const std::vector<double>& p = s.polygons[n];
    const auto which = [n] { return "polygon " + std::to_string(n) + ": "; };  // for errors only
    try {
      parts.push_back(from_polygon(p, h, w));
    } catch (const Error& e) {
      throw Error(which() + e.what());
    }
  }
  if (parts.size() == 1) return std::move(parts.front());  // merge would copy it
  return merge(parts);
}

}  // namespace ds::mask
