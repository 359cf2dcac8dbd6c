#include "formats/openimages/openimages_format.hpp"

#include <unordered_map>

#include "core/dataset/image_paths.hpp"
#include "core/util/csv.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"
#include "formats/common.hpp"
#include "formats/images.hpp"

namespace fs = std::filesystem;

namespace ds::openimages {
namespace {

// Column positions by header name.
struct Columns {
  std::unordered_map<std::string, std::size_t> index;
  std::optional<std::size_t> find(const std::string& name) const {
    const auto it = index.find(name);
    if (it == index.end()) return std::nullopt;
    return it->second;
  }
};

Columns header(CsvReader& csv, std::initializer_list<const char*> required) {
  std::vector<std::string> fields;
  if (!csv.next(fields)) throw Error(csv.name() + ": empty file (expected a header row)");
  Columns c;
  for (std::size_t i = 0; i < fields.size(); ++i) c.index.emplace(std::string(trim(fields[i])), i);
  for (const char* r : required)
    if (!c.find(r)) throw Error(csv.where() + ": no '" + std::string(r) + "' column in the header");
  return c;
}

// The image file of an ImageID: <images>/<ImageID><ext>; failing that, the ImageID itself (a
// file name, as some tools write) or another image extension.
std::string image_file(const fs::path& images, const std::string& image_id, const std::string& ext) {
  std::error_code ec;
  const std::string preferred = image_id + ext;
  if (fs::exists(images / preferred, ec)) return preferred;
  if (formats::has_image_extension(image_id) && fs::exists(images / image_id, ec)) return image_id;
  for (const char* e : {".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG", ".bmp", ".gif", ".webp", ".tif"})
    if (fs::exists(images / (image_id + e), ec)) return image_id + e;
  return preferred;
}

struct PendingImage {
  std::string image_id;
  Image image;
  std::vector<Annotation> boxes;  // normalised until the size is known
  std::string first_row;          // "file:line" of its first box, for messages
};

}  // namespace

Dataset OpenImagesFormat::read(const ConfigNode& spec, const ReadOptions& options) const {
  const fs::path boxes_path = spec.existing_file("boxes");
  const fs::path images = spec.existing_dir("images");
  const std::string ext = spec.string_or("image_ext", ".jpg");
  Dataset out;
  out.source = boxes_path.string();
  out.image_dir = images;

  // Class names: DisplayName per LabelName when descriptions are given, else LabelName itself.
  formats::ClassNames classes;
  std::unordered_map<std::string, std::string> display;
  if (spec.has("class_descriptions")) {
    CsvReader csv(spec.existing_file("class_descriptions"));
    std::vector<std::string> f;
    std::vector<std::string> names;
    while (csv.next(f)) {
      if (f.size() < 2) throw Error(csv.where() + ": expected LabelName,DisplayName");
      if (csv.line() == 1 && f[0] == "LabelName") continue;  // v6 files have a header row
      if (!display.emplace(f[0], f[1]).second) throw Error(csv.where() + ": LabelName '" + printable(f[0]) + "' listed twice");
      names.push_back(f[1]);
    }
    classes = formats::ClassNames::fixed_list(names);
  }

  std::vector<PendingImage> pending;
  std::unordered_map<std::string, std::size_t> by_id;
  const auto image_index = [&](const std::string& image_id) {
    const auto [it, added] = by_id.emplace(image_id, pending.size());
    if (added) {
      PendingImage p;
      p.image_id = image_id;
      p.image.file_name = image_file(images, image_id, ext);
      pending.push_back(std::move(p));
    }
    return it->second;
  };
  if (spec.has("image_ids")) {
    CsvReader csv(spec.existing_file("image_ids"));
    const Columns c = header(csv, {"ImageID"});
    std::vector<std::string> f;
    while (csv.next(f)) {
      if (f.size() <= *c.find("ImageID")) throw Error(csv.where() + ": fewer fields than the header");
      image_index(f[*c.find("ImageID")]);
    }
  }

  CsvReader csv(boxes_path);
  const Columns c = header(csv, {"ImageID", "LabelName", "XMin", "XMax", "YMin", "YMax"});
  const std::size_t col_id = *c.find("ImageID"), col_label = *c.find("LabelName");
  const std::size_t col_coords[4] = {*c.find("XMin"), *c.find("XMax"), *c.find("YMin"), *c.find("YMax")};
  const auto col_group = c.find("IsGroupOf"), col_truncated = c.find("IsTruncated");
  std::vector<std::string> f;
  // Rows of one image may be anywhere in the file: bad rows are skipped one by one here; an
  // image whose file is unreadable loses all its rows below.
  while (true) {
    try {
      if (!csv.next(f)) break;
    } catch (const Error& e) {
      // A broken quote leaves the rest of the file unreadable: nothing more to skip to.
      formats::skip_or_throw(options, out, e.what());
      break;
    }
    try {
      const std::size_t needed = std::max({col_id, col_label, col_coords[0], col_coords[1], col_coords[2], col_coords[3]});
      if (f.size() <= needed)
        throw Error(csv.where() + ": " + std::to_string(f.size()) + " fields, the header has " + std::to_string(c.index.size()));
      double v[4];
      for (int k = 0; k < 4; ++k) {
        const auto n = formats::parse_number(f[col_coords[k]]);
        if (!n) throw Error(csv.where() + ": '" + printable(f[col_coords[k]]) + "' is not a number");
        v[k] = *n;
      }
      if (v[1] < v[0] || v[3] < v[2]) throw Error(csv.where() + ": XMax < XMin or YMax < YMin");
      std::string label = f[col_label];
      if (!display.empty()) {
        const auto it = display.find(label);
        if (it == display.end()) throw Error(csv.where() + ": LabelName '" + printable(label) + "' is not in the class descriptions");
        label = it->second;
      }
      const auto category = classes.id_of(label);
      Annotation a;
      a.category_id = *category;
      a.bbox = {v[0], v[2], v[1] - v[0], v[3] - v[2]};
      const auto flag = [&](std::optional<std::size_t> col, const char* name) {
        if (!col || *col >= f.size()) return false;
        const auto b = formats::parse_flag(f[*col]);
        if (!b) throw Error(csv.where() + ": " + name + ": expected 0, 1 or -1, got '" + printable(f[*col]) + "'");
        return *b;
      };
      a.iscrowd = flag(col_group, "IsGroupOf");
      a.truncated = flag(col_truncated, "IsTruncated");
      PendingImage& p = pending[image_index(f[col_id])];
      if (p.first_row.empty()) p.first_row = csv.where();
      p.boxes.push_back(a);
    } catch (const Error& e) {
      formats::skip_or_throw(options, out, e.what());
    }
  }

  const bool allow_outside = spec.flag_or(formats::kAllowOutsideImages, false);
  for (PendingImage& p : pending) {
    if (const auto leaves = leaves_images_folder(p.image.file_name); leaves && !allow_outside)
      throw Error((p.first_row.empty() ? boxes_path.string() : p.first_row) + ": ImageID '" + printable(p.image_id, 400) +
                  "': its file '" + printable(p.image.file_name, 400) + "' " + *leaves +
                  " (images are read from inside the images folder; '" + formats::kAllowOutsideImages +
                  ": true' in " + spec.file().string() + " allows others)");
    std::string why;
    const auto size = try_read_image_size(images / p.image.file_name, why);
    if (!size) {
      formats::skip_or_throw(options, out, (images / p.image.file_name).string() + ": " + why + " (ImageID '" +
                                               p.image_id + "'" + (p.first_row.empty() ? "" : "; boxes from " + p.first_row) + ")");
      continue;
    }
    p.image.width = size->width;
    p.image.height = size->height;
    for (Annotation& a : p.boxes) {  // normalised -> pixels
      a.bbox = {a.bbox.x * size->width, a.bbox.y * size->height, a.bbox.w * size->width, a.bbox.h * size->height};
      a.area = a.bbox.w * a.bbox.h;
    }
    formats::append_image(out, std::move(p.image), std::move(p.boxes));
  }
  classes.finish(out);
  return out;
}

void OpenImagesFormat::write(const Dataset& dataset, const fs::path& dir, const WriteOptions& options) const {
  place_images(dataset, dir / "images", options);
  // The most common extension becomes image_ext; other images are found by the reader's fallback.
  std::unordered_map<std::string, std::size_t> ext_count;
  for (const Image& im : dataset.images) ++ext_count[fs::path(im.file_name).extension().string()];
  std::string ext = ".jpg";
  std::size_t best = 0;
  for (const auto& [e, n] : ext_count)
    if (n > best || (n == best && e < ext)) ext = e, best = n;

  std::unordered_map<std::int64_t, const Category*> category;
  for (const Category& c : dataset.categories) category.emplace(c.id, &c);
  std::unordered_map<std::int64_t, const Image*> image;
  for (const Image& im : dataset.images) image.emplace(im.id, &im);
  const auto image_id = [](const Image& im) {
    return formats::generic(formats::relative_image_path(im).replace_extension());
  };

  // Without Open Images' machine ids (/m/...), a class's LabelName is its name.
  std::string classes;
  for (const Category& c : dataset.categories) {
    append_csv_field(classes, c.name);
    classes += ",";
    append_csv_field(classes, c.name);
    classes += "\n";
  }
  std::string ids = "ImageID\n";
  for (const Image& im : dataset.images) {
    append_csv_field(ids, image_id(im));
    ids += "\n";
  }
  std::string boxes = "ImageID,Source,LabelName,Confidence,XMin,XMax,YMin,YMax,IsOccluded,IsTruncated,IsGroupOf,IsDepiction,IsInside\n";
  for (const Annotation& a : dataset.annotations) {
    const auto im = image.find(a.image_id);
    if (im == image.end()) throw Error("annotation " + std::to_string(a.id) + ": image " + std::to_string(a.image_id) + " is not in the dataset");
    const auto c = category.find(a.category_id);
    if (c == category.end()) throw Error("annotation " + std::to_string(a.id) + ": category " + std::to_string(a.category_id) + " is not in the dataset's categories");
    const ImageSize size = formats::image_size(dataset, *im->second);
    const double W = size.width, H = size.height;
    append_csv_field(boxes, image_id(*im->second));
    boxes += ",detection-studio,";
    append_csv_field(boxes, c->second->name);
    boxes += ",1," + format_double(a.bbox.x / W) + "," + format_double((a.bbox.x + a.bbox.w) / W) + "," +
             format_double(a.bbox.y / H) + "," + format_double((a.bbox.y + a.bbox.h) / H) + ",-1," +
             (a.truncated ? "1" : "0") + "," + (a.iscrowd ? "1" : "0") + ",-1,-1\n";
  }
  write_file_atomic(dir / "boxes.csv", boxes);
  write_file_atomic(dir / "class-descriptions.csv", classes);
  write_file_atomic(dir / "image_ids.csv", ids);
  write_file_atomic(dir / "dataset.yaml",
                    "format: openimages\nboxes: boxes.csv\nimages: images\nclass_descriptions: class-descriptions.csv\n"
                    "image_ids: image_ids.csv\nimage_ext: " + formats::yaml_quote(ext) + "\n");
}

}  // namespace ds::openimages
