#include "formats/openimages/openimages_format.hpp"

#include <functional>
#include <unordered_map>

#include "core/dataset/image_paths.hpp"
#include "core/dataset/open_images.hpp"
#include "core/util/csv.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_writer.hpp"
#include "core/util/text.hpp"
#include "formats/common.hpp"
#include "formats/images.hpp"
#include "formats/openimages/csv_columns.hpp"
#include "formats/openimages/hierarchy.hpp"
#include "formats/openimages/image_labels.hpp"

namespace fs = std::filesystem;

namespace ds::openimages {
namespace {

// The image file of an ImageID: <images>/<ImageID><ext>; failing that, the ImageID itself (a
// file name, as some tools write) or another image extension.
std::string image_file(const std::optional<fs::path>& folder, const std::string& image_id, const std::string& ext) {
  if (!folder) return image_id + ext;  // no images: scored in normalised coordinates
  const fs::path& images = *folder;
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

// A LabelName of the labels or hierarchy file as a class name: its DisplayName with class
// descriptions (an unknown LabelName is an error), else itself (a new class).
std::string class_name(const std::unordered_map<std::string, std::string>& display, formats::ClassNames& classes,
                       const std::string& label, const std::string& where) {
  if (display.empty()) {
    classes.id_of(label);
    return label;
  }
  const auto it = display.find(label);
  if (it == display.end()) throw Error(where + ": LabelName '" + printable(label) + "' is not in the class descriptions");
  return it->second;
}

}  // namespace

Dataset OpenImagesFormat::read(const ConfigNode& spec, const ReadOptions& options) const {
  const fs::path boxes_path = spec.existing_file("boxes");
  // Without images the boxes stay normalised (sizes 0): enough for scoring, which the
  // challenge's evaluation does in normalised coordinates.
  const std::optional<fs::path> images = spec.has("images") ? std::optional(spec.existing_dir("images")) : std::nullopt;
  const std::string ext = spec.string_or("image_ext", ".jpg");
  Dataset out;
  out.source = boxes_path.string();
  if (images) out.image_dir = *images;
  auto info = std::make_shared<OpenImagesInfo>();
  info->expand_detections = spec.flag_or("expand_detections", false);

  // Class names: DisplayName per LabelName when descriptions are given, else LabelName itself.
  formats::ClassNames classes;
  std::unordered_map<std::string, std::string> display;
  std::unordered_map<std::string, std::string> label_of_name;  // class name -> LabelName
  if (spec.has("class_descriptions")) {
    CsvReader csv(spec.existing_file("class_descriptions"));
    std::vector<std::string> f;
    std::vector<std::string> names;
    while (csv.next(f)) {
      if (f.size() < 2) throw Error(csv.where() + ": expected LabelName,DisplayName");
      if (csv.line() == 1 && f[0] == "LabelName") continue;  // v6 files have a header row
      if (!display.emplace(f[0], f[1]).second) throw Error(csv.where() + ": LabelName '" + printable(f[0]) + "' listed twice");
      label_of_name.emplace(f[1], f[0]);
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
      a.area = a.bbox.w * a.bbox.h;
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

  // Image-level labels and the hierarchy name classes (checked now) and images (resolved once
  // the images are read: an image left out under --skip-bad loses its labels).
  struct PendingLabel {
    std::string image_id, class_name;
    bool present;
  };
  std::vector<PendingLabel> pending_labels;
  if (spec.has("labels")) {
    CsvReader labels_csv(spec.existing_file("labels"));
    for (RawImageLabel& l : read_image_labels(labels_csv)) {
      if (!by_id.contains(l.image_id))
        throw Error(l.where + ": ImageID '" + printable(l.image_id) + "' has no box" +
                    (spec.has("image_ids") ? " and is not in image_ids" : " (list images without boxes in image_ids:)"));
      pending_labels.push_back({std::move(l.image_id), class_name(display, classes, l.label_name, l.where), l.present});
    }
  }
  std::vector<std::pair<std::string, std::string>> pending_edges;  // (child, parent) class names
  if (spec.has("hierarchy")) {
    info->has_hierarchy = true;
    const Hierarchy h = read_hierarchy(spec.existing_file("hierarchy"));
    for (const HierarchyEdge& e : h.edges) {
      if (e.parent == h.root) {  // the root is no class: its children have no parent
        class_name(display, classes, e.child, e.where);
        continue;
      }
      pending_edges.emplace_back(class_name(display, classes, e.child, e.where),
                                 class_name(display, classes, e.parent, e.where));
    }
  }

  const bool allow_outside = spec.flag_or(formats::kAllowOutsideImages, false);
  std::unordered_map<std::string, std::int64_t> image_of;  // ImageID -> image id
  for (PendingImage& p : pending) {
    if (images) {
      if (const auto leaves = leaves_images_folder(p.image.file_name); leaves && !allow_outside)
        throw Error((p.first_row.empty() ? boxes_path.string() : p.first_row) + ": ImageID '" + printable(p.image_id, 400) +
                    "': its file '" + printable(p.image.file_name, 400) + "' " + *leaves +
                    " (images are read from inside the images folder; '" + formats::kAllowOutsideImages +
                    ": true' in " + spec.file().string() + " allows others)");
      std::string why;
      const auto size = try_read_image_size(*images / p.image.file_name, why);
      if (!size) {
        formats::skip_or_throw(options, out, (*images / p.image.file_name).string() + ": " + why + " (ImageID '" +
                                                 p.image_id + "'" + (p.first_row.empty() ? "" : "; boxes from " + p.first_row) + ")");
        continue;
      }
      p.image.width = size->width;
      p.image.height = size->height;
      for (Annotation& a : p.boxes) {  // normalised -> pixels
        a.bbox = {a.bbox.x * size->width, a.bbox.y * size->height, a.bbox.w * size->width, a.bbox.h * size->height};
        a.area = a.bbox.w * a.bbox.h;
      }
    }
    const std::int64_t id = static_cast<std::int64_t>(out.images.size()) + 1;  // append_image's
    image_of.emplace(p.image_id, id);
    info->image_key.emplace(id, std::move(p.image_id));
    formats::append_image(out, std::move(p.image), std::move(p.boxes));
  }
  classes.finish(out);

  std::unordered_map<std::string, std::int64_t> category_of;
  for (const Category& cat : out.categories) {
    category_of.emplace(cat.name, cat.id);
    const auto it = label_of_name.find(cat.name);
    info->label_name.emplace(cat.id, it == label_of_name.end() ? cat.name : it->second);
  }
  for (const PendingLabel& l : pending_labels)
    if (const auto im = image_of.find(l.image_id); im != image_of.end())
      info->labels.push_back({im->second, category_of.at(l.class_name), l.present});
  for (const auto& [child, parent] : pending_edges)
    info->parents.emplace_back(category_of.at(child), category_of.at(parent));
  out.open_images = std::move(info);
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

  // A class's LabelName: Open Images' own (/m/...) when the dataset came from it, else its name.
  const OpenImagesInfo* info = dataset.open_images.get();
  std::unordered_map<std::int64_t, std::string> label_of;
  for (const Category& c : dataset.categories) {
    std::string label = c.name;
    if (info)
      if (const auto it = info->label_name.find(c.id); it != info->label_name.end()) label = it->second;
    label_of.emplace(c.id, std::move(label));
  }
  std::string classes;
  for (const Category& c : dataset.categories) {
    append_csv_field(classes, label_of.at(c.id));
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
    append_csv_field(boxes, label_of.at(c->second->id));
    boxes += ",1," + format_double(a.bbox.x / W) + "," + format_double((a.bbox.x + a.bbox.w) / W) + "," +
             format_double(a.bbox.y / H) + "," + format_double((a.bbox.y + a.bbox.h) / H) + ",-1," +
             (a.truncated ? "1" : "0") + "," + (a.iscrowd ? "1" : "0") + ",-1,-1\n";
  }
  // The challenge metric's extras, when the dataset has them: image-level labels and the
  // hierarchy (as nested objects again: a class with two parents under each).
  std::string extras;
  if (info && !info->labels.empty()) {
    std::string labels = "ImageID,Source,LabelName,Confidence\n";
    for (const ImageLevelLabel& l : info->labels) {
      const auto im = image.find(l.image_id);
      if (im == image.end() || !label_of.contains(l.category_id)) continue;
      append_csv_field(labels, image_id(*im->second));
      labels += ",detection-studio,";
      append_csv_field(labels, label_of.at(l.category_id));
      labels += l.present ? ",1\n" : ",0\n";
    }
    write_file_atomic(dir / "labels.csv", labels);
    extras += "labels: labels.csv\n";
  }
  if (info && info->has_hierarchy) {
    std::unordered_map<std::int64_t, std::vector<std::int64_t>> children;
    std::unordered_map<std::int64_t, bool> has_parent;
    for (const auto& [child, parent] : info->parents) {
      children[parent].push_back(child);
      has_parent[child] = true;
    }
    JsonWriter w(1);
    // Recursion over an acyclic hierarchy (the reader refused cycles) no deeper than the reader's bound.
    const std::function<void(std::int64_t)> node = [&](std::int64_t id) {
      w.begin_object().field("LabelName", label_of.contains(id) ? label_of.at(id) : std::to_string(id));
      if (const auto it = children.find(id); it != children.end()) {
        w.key("Subcategory").begin_array();
        for (const std::int64_t c : it->second) node(c);
        w.end_array();
      }
      w.end_object();
    };
    w.begin_object().field("LabelName", "/m/0bl9f").key("Subcategory").begin_array();
    for (const Category& c : dataset.categories)
      if (!has_parent.contains(c.id)) node(c.id);
    w.end_array().end_object();
    write_file_atomic(dir / "hierarchy.json", w.take() + "\n");
    extras += "hierarchy: hierarchy.json\n";
  }
  if (info && info->expand_detections) extras += "expand_detections: true\n";
  write_file_atomic(dir / "boxes.csv", boxes);
  write_file_atomic(dir / "class-descriptions.csv", classes);
  write_file_atomic(dir / "image_ids.csv", ids);
  write_file_atomic(dir / "dataset.yaml",
                    "format: openimages\nboxes: boxes.csv\nimages: images\nclass_descriptions: class-descriptions.csv\n"
                    "image_ids: image_ids.csv\nimage_ext: " + formats::yaml_quote(ext) + "\n" + extras);
}

}  // namespace ds::openimages
