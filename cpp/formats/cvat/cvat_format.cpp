#include "formats/cvat/cvat_format.hpp"

#include <cmath>
#include <map>
#include <numbers>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"
#include "formats/common.hpp"
#include "formats/images.hpp"
#include "formats/xml_file.hpp"

namespace fs = std::filesystem;

namespace ds::cvat {
namespace {

using formats::XmlFile;

// "x0,y0;x1,y1;..." as x0, y0, x1, y1, ...
std::vector<double> read_points(const XmlFile& xml, const pugi::xml_node& shape) {
  const std::string_view text = shape.attribute("points").value();
  std::vector<double> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t end = std::min(text.find(';', at), text.size());
    const std::string_view point = text.substr(at, end - at);
    const std::size_t comma = point.find(',');
    const auto x = formats::parse_number(trim(point.substr(0, comma)));
    const auto y = comma == std::string_view::npos ? std::nullopt : formats::parse_number(trim(point.substr(comma + 1)));
    if (!x || !y) xml.fail(shape, "points: expected 'x,y;x,y;...', got '" + std::string(point) + "'");
    out.insert(out.end(), {*x, *y});
    at = end + 1;
  }
  if (out.size() < 6) xml.fail(shape, "a polygon needs at least 3 points, got " + std::to_string(out.size() / 2));
  return out;
}

// One <image> into `image` and `anns`; other shapes are counted in `others`. Polygons sharing a
// label and a group_id are the parts of one object.
void read_image(const XmlFile& xml, const pugi::xml_node& node, const fs::path& images, formats::ClassNames& classes,
                Image& image, std::vector<Annotation>& anns, std::map<std::string, std::pair<std::size_t, std::string>>& others,
                bool masks) {
  const pugi::xml_attribute name = node.attribute("name");
  if (!name || std::string_view(name.value()).empty()) xml.fail(node, "<image> without 'name'");
  image.file_name = name.value();
  if (const pugi::xml_attribute id = node.attribute("id")) {
    const auto v = formats::parse_integer(id.value());
    if (!v) xml.fail(node, "id: expected an integer, got '" + std::string(id.value()) + "'");
    image.id = *v;
  }
  const auto w = formats::parse_integer(node.attribute("width").value());
  const auto h = formats::parse_integer(node.attribute("height").value());
  if (w && h && *w > 0 && *h > 0) {
    image.width = static_cast<int>(*w);
    image.height = static_cast<int>(*h);
  } else {
    std::string why;
    const auto size = try_read_image_size(images / image.file_name, why);
    if (!size) xml.fail(node, "no width/height and " + (images / image.file_name).string() + ": " + why);
    image.width = size->width;
    image.height = size->height;
  }
  std::map<std::pair<std::string, std::string>, std::size_t> group_at;  // (group_id, label) -> anns index
  for (const pugi::xml_node shape : node.children()) {
    const std::string kind = shape.name();
    if (kind == "polygon") {
      const std::string label = shape.attribute("label").value();
      if (label.empty()) xml.fail(shape, "<polygon> without 'label'");
      const auto id = classes.id_of(label);
      if (!id) xml.fail(shape, "class '" + label + "' is not one of the labels in <meta>: " + classes.known());
      const std::string group_id = shape.attribute("group_id").value();
      const auto group = group_id.empty() ? group_at.end() : group_at.find({group_id, label});
      std::vector<std::vector<double>> parts;
      if (group != group_at.end()) parts = anns[group->second].segmentation->polygons;
      parts.push_back(read_points(xml, shape));
      Annotation a;
      a.bbox = formats::polygon_bounds(parts);
      a.category_id = *id;
      formats::read_cvat_flags(xml, shape, a.iscrowd, a.difficult, a.truncated);
      formats::set_outline(a, std::move(parts), {image.width, image.height}, true);
      if (group != group_at.end()) {
        anns[group->second] = std::move(a);
      } else {
        if (!group_id.empty()) group_at[{group_id, label}] = anns.size();
        anns.push_back(std::move(a));
      }
      continue;
    }
    if (kind != "box") {
      if (kind == "tag") continue;  // image-level labels, not shapes
      auto& [count, first] = others[kind];
      if (count++ == 0) first = xml.where(shape);
      continue;
    }
    const std::string label = shape.attribute("label").value();
    if (label.empty()) xml.fail(shape, "<box> without 'label'");
    const double x1 = xml.number_attribute(shape, "xtl"), y1 = xml.number_attribute(shape, "ytl");
    const double x2 = xml.number_attribute(shape, "xbr"), y2 = xml.number_attribute(shape, "ybr");
    if (x2 < x1 || y2 < y1) xml.fail(shape, "box of '" + label + "' has xbr < xtl or ybr < ytl");
    Annotation a;
    a.bbox = {x1, y1, x2 - x1, y2 - y1};
    if (const auto r = formats::parse_number(shape.attribute("rotation").value()); r && *r != 0) {
      // A rotated box: its axis-aligned bounding box, and a note.
      const double t = *r * std::numbers::pi / 180, c = std::abs(std::cos(t)), s = std::abs(std::sin(t));
      const double cx = (x1 + x2) / 2, cy = (y1 + y2) / 2, hw = (a.bbox.w * c + a.bbox.h * s) / 2,
                   hh = (a.bbox.w * s + a.bbox.h * c) / 2;
      a.bbox = {cx - hw, cy - hh, 2 * hw, 2 * hh};
      auto& [count, first] = others["rotated box (read as its axis-aligned bounding box)"];
      if (count++ == 0) first = xml.where(shape);
    }
    const auto id = classes.id_of(label);
    if (!id) xml.fail(shape, "class '" + label + "' is not one of the labels in <meta>: " + classes.known());
    a.category_id = *id;
    a.area = a.bbox.w * a.bbox.h;
    formats::read_cvat_flags(xml, shape, a.iscrowd, a.difficult, a.truncated);
    anns.push_back(a);
  }
  if (!masks)  // kept while grouping parts; not wanted
    for (Annotation& a : anns) a.segmentation.reset();
}

}  // namespace

Dataset CvatFormat::read(const ConfigNode& spec, const ReadOptions& options) const {
  const fs::path file = spec.existing_file("annotations");
  const fs::path images = spec.existing_dir("images");
  const XmlFile xml(file);
  const pugi::xml_node root = xml.doc().child("annotations");
  if (!root) throw Error(file.string() + ": not a CVAT for images file (no <annotations> element)");
  const std::vector<std::string> labels = formats::cvat_declared_labels(root.child("meta"));
  formats::ClassNames classes = labels.empty() ? formats::ClassNames() : formats::ClassNames::fixed_list(labels);
  Dataset out;
  out.source = file.string();
  out.image_dir = images;
  std::map<std::string, std::pair<std::size_t, std::string>> others;
  bool ids_given = true;
  std::vector<std::size_t> box_count;  // per image read, to renumber when ids are missing
  for (const pugi::xml_node node : root.children("image")) {
    Image image;
    std::vector<Annotation> anns;
    try {
      read_image(xml, node, images, classes, image, anns, others, options.masks);
    } catch (const Error& e) {
      formats::skip_or_throw(options, out, e.what());
      continue;
    }
    ids_given = ids_given && node.attribute("id");
    box_count.push_back(anns.size());
    for (Annotation& a : anns) {
      a.id = static_cast<std::int64_t>(out.annotations.size()) + 1;
      a.image_id = image.id;
      out.annotations.push_back(a);
    }
    out.images.push_back(std::move(image));
  }
  if (!ids_given) {  // files from other tools may omit ids: number all images in file order
    std::size_t next_ann = 0;
    for (std::size_t i = 0; i < out.images.size(); ++i) {
      out.images[i].id = static_cast<std::int64_t>(i) + 1;
      for (std::size_t k = 0; k < box_count[i]; ++k) out.annotations[next_ann++].image_id = out.images[i].id;
    }
  }
  if (root.child("track"))
    out.warnings.push_back(xml.where(root.child("track")) + ": <track> elements not read (export the task as 'CVAT for images')");
  for (const auto& [kind, info] : others)
    out.warnings.push_back(std::to_string(info.first) + " <" + kind + "> element(s) not read as boxes; first at " + info.second);
  classes.finish(out);
  return out;
}

void CvatFormat::write(const Dataset& dataset, const fs::path& dir, const WriteOptions& options) const {
  place_images(dataset, dir / "images", options);
  std::unordered_map<std::int64_t, const Category*> category;
  for (const Category& c : dataset.categories) category.emplace(c.id, &c);
  std::unordered_map<std::int64_t, std::vector<const Annotation*>> by_image;
  for (const Annotation& a : dataset.annotations) by_image[a.image_id].push_back(&a);

  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("annotations");
  root.append_child("version").text() = "1.1";
  pugi::xml_node task = root.append_child("meta").append_child("task");
  task.append_child("name").text() = "detection-studio export";
  task.append_child("size").text() = static_cast<unsigned long long>(dataset.images.size());
  pugi::xml_node labels = task.append_child("labels");
  for (const Category& c : dataset.categories) {
    pugi::xml_node l = labels.append_child("label");
    l.append_child("name").text() = c.name.c_str();
    l.append_child("type").text() = "any";  // boxes and polygons
    l.append_child("attributes");
  }
  long long group = 0;
  for (const Image& im : dataset.images) {
    const ImageSize size = formats::image_size(dataset, im);
    pugi::xml_node node = root.append_child("image");
    node.append_attribute("id") = static_cast<long long>(im.id);
    node.append_attribute("name") = formats::generic(formats::relative_image_path(im)).c_str();
    node.append_attribute("width") = size.width;
    node.append_attribute("height") = size.height;
    for (const Annotation* a : by_image[im.id]) {
      const auto c = category.find(a->category_id);
      if (c == category.end())
        throw Error("annotation " + std::to_string(a->id) + ": category " + std::to_string(a->category_id) +
                    " is not in the dataset's categories");
      const auto flags = [&](pugi::xml_node shape) {
        const auto flag = [&](const char* name, bool on) {
          if (!on) return;
          pugi::xml_node attr = shape.append_child("attribute");
          attr.append_attribute("name") = name;
          attr.text() = "true";
        };
        flag("iscrowd", a->iscrowd);
        flag("difficult", a->difficult);
        flag("truncated", a->truncated);
      };
      if (const auto* outline = formats::outline_of(*a)) {
        ++group;  // the parts of one object share a group_id
        for (const auto& part : *outline) {
          pugi::xml_node polygon = node.append_child("polygon");
          polygon.append_attribute("label") = c->second->name.c_str();
          polygon.append_attribute("source") = "manual";
          polygon.append_attribute("occluded") = 0;
          std::string points;
          for (std::size_t k = 0; k + 1 < part.size(); k += 2)
            points += (k ? ";" : "") + format_double(part[k]) + "," + format_double(part[k + 1]);
          polygon.append_attribute("points") = points.c_str();
          polygon.append_attribute("z_order") = 0;
          if (outline->size() > 1) polygon.append_attribute("group_id") = static_cast<long long>(group);
          flags(polygon);
        }
        continue;
      }
      pugi::xml_node box = node.append_child("box");
      box.append_attribute("label") = c->second->name.c_str();
      box.append_attribute("source") = "manual";
      box.append_attribute("occluded") = 0;
      box.append_attribute("xtl") = format_double(a->bbox.x).c_str();
      box.append_attribute("ytl") = format_double(a->bbox.y).c_str();
      box.append_attribute("xbr") = format_double(a->bbox.x + a->bbox.w).c_str();
      box.append_attribute("ybr") = format_double(a->bbox.y + a->bbox.h).c_str();
      box.append_attribute("z_order") = 0;
      flags(box);
    }
  }
  write_file_atomic(dir / "annotations.xml", formats::xml_text(doc));
  write_file_atomic(dir / "dataset.yaml", "format: cvat\nannotations: annotations.xml\nimages: images\n");
}

}  // namespace ds::cvat
