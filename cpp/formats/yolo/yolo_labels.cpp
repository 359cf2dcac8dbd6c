#include "formats/yolo/yolo_labels.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"
#include "formats/common.hpp"
#include "formats/images.hpp"

namespace fs = std::filesystem;

namespace ds::yolo {

fs::path label_path(const fs::path& image) {
  const std::string p = image.generic_string();
  const std::string padded = "/" + p;  // so that a relative "images/x.jpg" matches too
  for (const std::string_view dir : {"/images/", "/JPEGImages/"}) {
    if (const auto at = padded.rfind(dir); at != std::string::npos) {
      std::string q = padded.substr(0, at) + "/labels/" + padded.substr(at + dir.size());
      q.erase(0, 1);
      return fs::path(q).replace_extension(".txt");
    }
  }
  return fs::path(p).replace_extension(".txt");
}

namespace {

constexpr double kNormalisedSlack = 0.01;

// A pose line's keypoints (`v`: the numbers after the class; keypoints from v[4]) into `a`.
void read_keypoints(const std::vector<double>& v, const PoseShape& pose, const ImageSize& size,
                    const std::string& where, Annotation& a) {
  const double W = size.width, H = size.height;
  a.keypoints.reserve(3 * pose.keypoints);
  for (std::size_t n = 0; n < pose.keypoints; ++n) {
    const double x = v[4 + n * pose.dims], y = v[5 + n * pose.dims];
    double vis = 0;
    if (pose.dims == 3) {
      vis = v[6 + n * pose.dims];
      if (vis != 0 && vis != 1 && vis != 2)
        throw Error(where + ": keypoint " + std::to_string(n + 1) + ": visibility " +
                    (vis == std::trunc(vis) && std::abs(vis) < 1e15 ? std::to_string(static_cast<std::int64_t>(vis))
                                                                    : format_double(vis)) +
                    " is not 0, 1 or 2");
    } else if (x >= 0 && y >= 0) {
      vis = 2;
    }
    if (pose.dims == 2 && vis == 0) {
      a.keypoints.insert(a.keypoints.end(), {0.0, 0.0, 0.0});  // COCO's unlabelled keypoint
    } else {
      if (!std::isfinite(x * W) || !std::isfinite(y * H))
        throw Error(where + ": keypoint " + std::to_string(n + 1) + ": coordinates out of range");
      a.keypoints.insert(a.keypoints.end(), {x * W, y * H, vis});
    }
    a.num_keypoints += vis > 0;
  }
}

// One label file into `anns` (image-relative, in pixels).
void read_label_file(const fs::path& file, const ImageSize& size, const std::vector<std::string>& names,
                     std::vector<Annotation>& anns, bool masks, const PoseShape& pose) {
  const std::string text = read_text_file(file);
  std::size_t start = 0, line_no = 0;
  std::vector<std::string_view> tokens;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    const std::string_view line = trim(std::string_view(text).substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    tokens.clear();
    std::size_t i = 0;
    while (i < line.size()) {
      const std::size_t j = std::min(line.find_first_of(" \t", i), line.size());
      if (j > i) tokens.push_back(line.substr(i, j - i));
      i = j + 1;
    }
    const std::string where = file.string() + ":" + std::to_string(line_no);
    // 5 values: a box. 1 + 2k values (k >= 3): an Ultralytics segment (a polygon) and its bounds.
    // A pose dataset: 5 + K * dims values, the box and the keypoints, on every line.
    const bool segment = pose.keypoints == 0 && tokens.size() >= 7 && tokens.size() % 2 == 1;
    if (pose.keypoints > 0 && tokens.size() != 5 + pose.keypoints * pose.dims) {
      const std::string k = std::to_string(pose.keypoints), dims = std::to_string(pose.dims);
      throw Error(where + ": expected '<class> <cx> <cy> <w> <h>' and " + k + " keypoints of " + dims + " values (" +
                  (pose.dims == 3 ? "x y v" : "x y") + "; data.yaml's kpt_shape is [" + k + ", " + dims + "]): " +
                  std::to_string(5 + pose.keypoints * pose.dims) + " values, got " + std::to_string(tokens.size()));
    }
    if (pose.keypoints == 0 && tokens.size() != 5 && !segment)
      throw Error(where + ": expected '<class> <cx> <cy> <w> <h>' (5 values), got " + std::to_string(tokens.size()));
    const auto cls = formats::parse_integer(tokens[0]);
    if (!cls) throw Error(where + ": class '" + std::string(tokens[0]) + "' is not an integer");
    if (*cls < 0 || static_cast<std::size_t>(*cls) >= names.size())
      throw Error(where + ": class " + std::to_string(*cls) + " is not in the " + std::to_string(names.size()) +
                  " class names");
    std::vector<double> v;
    for (std::size_t k = 1; k < tokens.size(); ++k) {
      const auto n = formats::parse_number(tokens[k]);
      if (!n) {
        const std::string keypoint =
            pose.keypoints > 0 && k >= 5 ? "keypoint " + std::to_string((k - 5) / pose.dims + 1) + ": " : "";
        throw Error(where + ": " + keypoint + "'" + std::string(tokens[k]) + "' is not a number");
      }
      v.push_back(*n);
    }
    // Ultralytics refuses labels outside 0..1; we allow 1% either way (rounding) and refuse the
    // rest: a polygon at 1e6 image widths would be rasterised edge by edge for seconds.
    const std::size_t normalised = segment ? v.size() : 4;
    for (std::size_t k = 0; k < normalised; ++k)
      if (!(v[k] >= -kNormalisedSlack && v[k] <= 1 + kNormalisedSlack))
        throw Error(where + ": '" + std::string(tokens[k + 1]) +
                    "' is not a normalised coordinate (YOLO labels are fractions of the image, 0 to 1)");
    Annotation a;
    a.category_id = *cls;
    const double W = size.width, H = size.height;
    if (segment) {
      double x1 = v[0], y1 = v[1], x2 = v[0], y2 = v[1];
      for (std::size_t k = 0; k + 1 < v.size(); k += 2) {
        x1 = std::min(x1, v[k]), x2 = std::max(x2, v[k]);
        y1 = std::min(y1, v[k + 1]), y2 = std::max(y2, v[k + 1]);
      }
      a.bbox = {x1 * W, y1 * H, (x2 - x1) * W, (y2 - y1) * H};
      std::vector<double> polygon(v.size());
      for (std::size_t k = 0; k + 1 < v.size(); k += 2) polygon[k] = v[k] * W, polygon[k + 1] = v[k + 1] * H;
      formats::set_outline(a, {std::move(polygon)}, size, masks);
    } else {
      if (v[2] < 0 || v[3] < 0) throw Error(where + ": negative width or height");
      a.bbox = {(v[0] - v[2] / 2) * W, (v[1] - v[3] / 2) * H, v[2] * W, v[3] * H};
      a.area = a.bbox.w * a.bbox.h;
      if (pose.keypoints > 0) read_keypoints(v, pose, size, where, a);
    }
    anns.push_back(std::move(a));
  }
}

}  // namespace

Dataset read_images_and_labels(const fs::path& image_dir, const std::vector<fs::path>& images,
                               const std::vector<std::string>& names, const ReadOptions& options,
                               const PoseShape& pose) {
  Dataset out;
  out.image_dir = image_dir;
  for (std::size_t i = 0; i < names.size(); ++i)
    out.categories.push_back({static_cast<std::int64_t>(i), names[i], ""});
  for (const fs::path& rel : images) {
    const fs::path image_path = image_dir / rel;
    Image image;
    image.file_name = formats::generic(rel);
    std::vector<Annotation> anns;
    try {
      // Normalised coordinates need the image's size: without a readable image there is no box.
      const ImageSize size = read_image_size(image_path);
      image.width = size.width;
      image.height = size.height;
      const fs::path labels = label_path(image_path);
      std::error_code ec;
      if (fs::exists(labels, ec)) read_label_file(labels, size, names, anns, options.masks, pose);
    } catch (const Error& e) {
      formats::skip_or_throw(options, out, e.what());
      continue;
    }
    formats::append_image(out, std::move(image), std::move(anns));
  }
  return out;
}

std::vector<std::string> class_names(const Dataset& dataset) {
  std::vector<Category> cats = dataset.categories;
  std::sort(cats.begin(), cats.end(), [](const Category& a, const Category& b) { return a.id < b.id; });
  std::vector<std::string> out;
  for (const Category& c : cats) out.push_back(c.name);
  return out;
}

PoseShape pose_shape_of(const Dataset& dataset) {
  PoseShape out;
  const Category* first = nullptr;
  for (const Category& c : dataset.categories) {
    if (c.keypoint_names.empty()) continue;
    if (first && c.keypoint_names.size() != out.keypoints)
      throw Error("yolo holds one kpt_shape for all classes: class '" + first->name + "' has " +
                  std::to_string(out.keypoints) + " keypoints, class '" + c.name + "' " +
                  std::to_string(c.keypoint_names.size()));
    first = &c;
    out.keypoints = c.keypoint_names.size();
  }
  return out;
}

std::vector<std::string> write_images_and_labels(const Dataset& dataset, const fs::path& dir,
                                                 const WriteOptions& options, const PoseShape& pose) {
  place_images(dataset, dir / "images", options);
  std::vector<Category> cats = dataset.categories;
  std::sort(cats.begin(), cats.end(), [](const Category& a, const Category& b) { return a.id < b.id; });
  std::unordered_map<std::int64_t, std::size_t> index;
  for (std::size_t i = 0; i < cats.size(); ++i) index.emplace(cats[i].id, i);
  std::unordered_map<std::int64_t, std::vector<const Annotation*>> by_image;
  for (const Annotation& a : dataset.annotations) by_image[a.image_id].push_back(&a);

  formats::DerivedNames label_name(".txt");
  std::vector<std::string> paths;
  for (const Image& im : dataset.images) {
    const fs::path rel = label_name(im);
    const ImageSize size = formats::image_size(dataset, im);
    std::string text;
    for (const Annotation* a : by_image[im.id]) {
      const auto it = index.find(a->category_id);
      if (it == index.end())
        throw Error("annotation " + std::to_string(a->id) + ": category " + std::to_string(a->category_id) +
                    " is not in the dataset's categories");
      const double W = size.width, H = size.height;
      const auto* outline = pose.keypoints > 0 ? nullptr : formats::outline_of(*a);
      if (outline && outline->size() == 1) {
        text += std::to_string(it->second);  // an Ultralytics segment line
        const auto& p = outline->front();
        for (std::size_t k = 0; k + 1 < p.size(); k += 2)
          text += " " + format_double(p[k] / W) + " " + format_double(p[k + 1] / H);
        text += "\n";
        continue;
      }
      const Box& b = a->bbox;
      text += std::to_string(it->second) + " " + format_double((b.x + b.w / 2) / W) + " " +
              format_double((b.y + b.h / 2) / H) + " " + format_double(b.w / W) + " " + format_double(b.h / H);
      if (pose.keypoints > 0) {
        const std::vector<double>& kp = a->keypoints;
        if (!kp.empty() && kp.size() != 3 * pose.keypoints)
          throw Error("annotation " + std::to_string(a->id) + ": " + std::to_string(kp.size() / 3) +
                      " keypoints, where kpt_shape has " + std::to_string(pose.keypoints));
        for (std::size_t n = 0; n < pose.keypoints; ++n) {
          if (kp.empty()) {
            text += " 0 0 0";  // an object without keypoints: none labelled
            continue;
          }
          const double v = kp[3 * n + 2];  // 0, 1 or 2 (the readers check it)
          text += " " + format_double(kp[3 * n] / W) + " " + format_double(kp[3 * n + 1] / H) + " " +
                  (v == 1 ? "1" : v == 2 ? "2" : "0");
        }
      }
      text += "\n";
    }
    write_file_atomic(dir / "labels" / rel, text);
    paths.push_back(formats::generic(fs::path("images") / formats::relative_image_path(im)));
  }
  return paths;
}

}  // namespace ds::yolo
