#include "formats/openimages/challenge_detections.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/dataset/open_images.hpp"
#include "core/util/error.hpp"
#include "core/util/text.hpp"
#include "formats/common.hpp"
#include "formats/openimages/csv_columns.hpp"

namespace fs = std::filesystem;

namespace ds::openimages {

std::vector<Detection> read_challenge_detections(CsvReader& csv, const Dataset& gt) {
  std::unordered_map<std::string, const Image*> image_of;
  std::unordered_map<std::string, std::int64_t> category_of;
  const OpenImagesInfo* info = gt.open_images.get();
  for (const Image& im : gt.images) {
    std::string key = fs::path(im.file_name).replace_extension().string();
    if (info)
      if (const auto it = info->image_key.find(im.id); it != info->image_key.end()) key = it->second;
    image_of.emplace(std::move(key), &im);
  }
  for (const Category& cat : gt.categories) {
    std::string key = cat.name;
    if (info)
      if (const auto it = info->label_name.find(cat.id); it != info->label_name.end()) key = it->second;
    category_of.emplace(std::move(key), cat.id);
  }

  const Columns c = header(csv, {"ImageID", "LabelName", "Score", "XMin", "XMax", "YMin", "YMax"});
  const std::size_t col_id = *c.find("ImageID"), col_label = *c.find("LabelName"), col_score = *c.find("Score");
  const std::size_t col[4] = {*c.find("XMin"), *c.find("XMax"), *c.find("YMin"), *c.find("YMax")};
  const std::size_t needed = std::max({col_id, col_label, col_score, col[0], col[1], col[2], col[3]});
  std::vector<Detection> out;
  std::vector<std::string> f;
  while (csv.next(f)) {
    if (f.size() <= needed)
      throw Error(csv.where() + ": " + std::to_string(f.size()) + " fields, the header has " + std::to_string(c.index.size()));
    const auto number = [&](std::size_t k, const char* name) {
      const auto n = formats::parse_number(f[k]);
      if (!n || !std::isfinite(*n))
        throw Error(csv.where() + ": " + name + ": '" + printable(f[k]) + "' is not a number");
      return *n;
    };
    const double score = number(col_score, "Score");
    const double x0 = number(col[0], "XMin"), x1 = number(col[1], "XMax"), y0 = number(col[2], "YMin"), y1 = number(col[3], "YMax");
    const auto im = image_of.find(f[col_id]);
    if (im == image_of.end())
      throw Error(csv.where() + ": ImageID '" + printable(f[col_id]) + "' is not an image of the ground truth");
    const auto cat = category_of.find(f[col_label]);
    if (cat == category_of.end())
      throw Error(csv.where() + ": LabelName '" + printable(f[col_label]) + "' is not a class of the ground truth");
    if (x1 < x0 || y1 < y0) continue;
    const double W = im->second->width > 0 ? im->second->width : 1.0;
    const double H = im->second->height > 0 ? im->second->height : 1.0;
    Detection d;
    d.image_id = im->second->id;
    d.category_id = cat->second;
    d.score = score;
    d.bbox = W == 1.0 && H == 1.0 ? Box{x0, y0, x1 - x0, y1 - y0} : Box{x0 * W, y0 * H, (x1 - x0) * W, (y1 - y0) * H};
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<Detection> read_challenge_detections(const fs::path& path, const Dataset& gt) {
  CsvReader csv(path);
  return read_challenge_detections(csv, gt);
}

}  // namespace ds::openimages
