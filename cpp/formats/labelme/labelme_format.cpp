#include "formats/labelme/labelme_format.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_source.hpp"
#include "core/util/json_writer.hpp"
#include "formats/common.hpp"
#include "formats/images.hpp"

namespace fs = std::filesystem;

namespace ds::labelme {
namespace {

struct Shape {
  std::string label;
  std::string type = "polygon";  // LabelMe's default when shape_type is null or absent
  std::vector<std::pair<double, double>> points;
  std::optional<std::int64_t> group_id;
  bool iscrowd = false, difficult = false, truncated = false;
};

struct File {
  std::string image_path;
  int width = 0, height = 0;
  std::vector<Shape> shapes;
};

bool is_null(simdjson::ondemand::value& v) {
  bool null = false;
  if constexpr (requires { v.is_null().get(null); }) {
    return v.is_null().get(null) == simdjson::SUCCESS && null;
  } else {
    return v.is_null();
  }
}

File parse(const fs::path& path) {
  JsonSource src(path);
  simdjson::ondemand::object root;
  if (const auto code = src.document().get_object().get(root); code != simdjson::SUCCESS)
    src.fail(code, "top level", "an object (a LabelMe file)");
  File out;
  bool has_shapes = false, has_path = false;
  for (auto field : root) {
    std::string_view key;
    src.check(field.unescaped_key().get(key), "top level");
    const auto ctx = [&] { return "'" + std::string(key) + "'"; };
    if (key == "imagePath") {
      out.image_path = std::string(src.get_string(field.value(), ctx));
      has_path = true;
    } else if (key == "imageWidth" || key == "imageHeight") {
      simdjson::ondemand::value v;
      src.check(field.value().get(v), ctx);
      if (is_null(v)) continue;
      (key == "imageWidth" ? out.width : out.height) = static_cast<int>(src.get_int(std::move(v), ctx));
    } else if (key == "shapes") {
      has_shapes = true;
      std::size_t index = 0;
      for (auto element : src.get_array(field.value(), ctx)) {
        const auto sctx = [&] { return "shapes[" + std::to_string(index) + "]"; };
        simdjson::ondemand::value v;
        src.check(element.get(v), sctx);
        Shape shape;
        bool has_label = false;
        for (auto f : src.get_object(v, sctx)) {
          std::string_view k;
          src.check(f.unescaped_key().get(k), sctx);
          const auto fctx = [&] { return sctx() + ": '" + std::string(k) + "'"; };
          if (k == "label") {
            shape.label = std::string(src.get_string(f.value(), fctx));
            has_label = true;
          } else if (k == "shape_type") {
            simdjson::ondemand::value t;
            src.check(f.value().get(t), fctx);
            if (!is_null(t)) shape.type = std::string(src.get_string(t, fctx));
          } else if (k == "points") {
            for (auto p : src.get_array(f.value(), fctx)) {
              double xy[2];
              simdjson::ondemand::value pv;
              src.check(p.get(pv), fctx);
              src.get_numbers(pv, xy, 2, fctx);
              shape.points.emplace_back(xy[0], xy[1]);
            }
          } else if (k == "group_id") {
            simdjson::ondemand::value g;
            src.check(f.value().get(g), fctx);
            if (!is_null(g)) shape.group_id = src.get_int(std::move(g), fctx);
          } else if (k == "flags") {
            simdjson::ondemand::value fv;
            src.check(f.value().get(fv), fctx);
            if (is_null(fv)) continue;
            for (auto flag : src.get_object(fv, fctx)) {
              std::string_view name;
              src.check(flag.unescaped_key().get(name), fctx);
              bool value = false;
              if (flag.value().get_bool().get(value) != simdjson::SUCCESS) continue;  // user flags of other types
              if (name == "iscrowd") shape.iscrowd = value;
              if (name == "difficult") shape.difficult = value;
              if (name == "truncated") shape.truncated = value;
            }
          }
        }
        if (!has_label) src.fail(sctx() + ": missing 'label'");
        out.shapes.push_back(std::move(shape));
        ++index;
      }
    }
  }
  if (!has_shapes || !has_path) src.fail("not a LabelMe file (no 'shapes' or 'imagePath')");
  if (!src.at_end()) src.fail("unexpected content after the top-level object (a '}' too early?)");
  return out;
}

}  // namespace

Dataset LabelMeFormat::read(const ConfigNode& spec, const ReadOptions& options) const {
  const fs::path dir = spec.existing_dir("annotations");
  formats::ClassNames classes = formats::ClassNames::from_spec(spec);
  Dataset out;
  out.source = dir.string();
  out.image_dir = dir;
  std::map<std::string, std::pair<std::size_t, std::string>> other_shapes;  // type -> count, first file
  for (const fs::path& rel : formats::list_files(dir, ".json")) {
    const fs::path path = dir / rel;
    Image image;
    std::vector<Annotation> anns;
    try {
      const File file = parse(path);
      std::string image_path = file.image_path;
      std::replace(image_path.begin(), image_path.end(), '\\', '/');  // saved on Windows
      if (image_path.empty()) throw Error(path.string() + ": empty 'imagePath'");
      image.file_name = formats::generic((rel.parent_path() / image_path).lexically_normal());
      image.width = file.width;
      image.height = file.height;
      if (image.width <= 0 || image.height <= 0) {
        std::string why;
        const auto size = try_read_image_size(dir / image.file_name, why);
        if (!size) throw Error(path.string() + ": no imageWidth/imageHeight and " + (dir / image.file_name).string() + ": " + why);
        image.width = size->width;
        image.height = size->height;
      }
      std::map<std::pair<std::int64_t, std::string>, std::size_t> group_at;  // (group_id, label) -> anns index
      for (std::size_t i = 0; i < file.shapes.size(); ++i) {
        const Shape& s = file.shapes[i];
        const auto where = [&] { return path.string() + ": shapes[" + std::to_string(i) + "]"; };
        if (s.type == "polygon") {
          if (s.points.size() < 3)
            throw Error(where() + ": a polygon needs at least 3 points, got " + std::to_string(s.points.size()));
          const auto id = classes.id_of(s.label);
          if (!id) throw Error(where() + ": class '" + s.label + "' is not one of classes: " + classes.known());
          std::vector<double> part;
          for (const auto& [x, y] : s.points) part.insert(part.end(), {x, y});
          std::vector<std::vector<double>> parts;
          const auto group = s.group_id ? group_at.find({*s.group_id, s.label}) : group_at.end();
          if (group != group_at.end()) parts = anns[group->second].segmentation->polygons;
          parts.push_back(std::move(part));
          Annotation a;
          a.bbox = formats::polygon_bounds(parts);
          a.category_id = *id;
          a.iscrowd = s.iscrowd;
          a.difficult = s.difficult;
          a.truncated = s.truncated;
          // Keep the parts while grouping; dropped at the end when masks are not wanted.
          formats::set_outline(a, std::move(parts), {image.width, image.height}, true);
          if (group != group_at.end()) {
            anns[group->second] = std::move(a);
          } else {
            if (s.group_id) group_at[{*s.group_id, s.label}] = anns.size();
            anns.push_back(std::move(a));
          }
          continue;
        }
        if (s.type != "rectangle") {
          auto& [count, first] = other_shapes[s.type];
          if (count++ == 0) first = path.string() + ": shapes[" + std::to_string(i) + "] ('" + s.label + "')";
          continue;
        }
        if (s.points.size() < 2)
          throw Error(path.string() + ": shapes[" + std::to_string(i) + "]: a rectangle needs 2 points, got " +
                      std::to_string(s.points.size()));
        const auto [p, q] = std::pair(s.points[0], s.points[1]);
        Annotation a;
        a.bbox = {std::min(p.first, q.first), std::min(p.second, q.second), std::abs(q.first - p.first),
                  std::abs(q.second - p.second)};
        const auto id = classes.id_of(s.label);
        if (!id) throw Error(path.string() + ": shapes[" + std::to_string(i) + "]: class '" + s.label +
                             "' is not one of classes: " + classes.known());
        a.category_id = *id;
        a.area = a.bbox.w * a.bbox.h;
        a.iscrowd = s.iscrowd;
        a.difficult = s.difficult;
        a.truncated = s.truncated;
        anns.push_back(a);
      }
      if (!options.masks)
        for (Annotation& a : anns) a.segmentation.reset();
    } catch (const Error& e) {
      formats::skip_or_throw(options, out, e.what());
      continue;
    }
    formats::append_image(out, std::move(image), std::move(anns));
  }
  for (const auto& [type, info] : other_shapes)
    out.warnings.push_back(std::to_string(info.first) + " '" + type + "' shape(s) not read (only rectangles and polygons are objects); first: " + info.second);
  classes.finish(out);
  return out;
}

void LabelMeFormat::write(const Dataset& dataset, const fs::path& dir, const WriteOptions& options) const {
  place_images(dataset, dir, options);
  std::unordered_map<std::int64_t, const Category*> category;
  for (const Category& c : dataset.categories) category.emplace(c.id, &c);
  std::unordered_map<std::int64_t, std::vector<const Annotation*>> by_image;
  for (const Annotation& a : dataset.annotations) by_image[a.image_id].push_back(&a);
  formats::DerivedNames json_name(".json");
  for (const Image& im : dataset.images) {
    const fs::path rel = json_name(im);
    const ImageSize size = formats::image_size(dataset, im);
    JsonWriter w(2);
    w.begin_object().field("version", "5.4.1").key("flags").begin_object().end_object();
    w.key("shapes").begin_array();
    std::int64_t group = 0;
    for (const Annotation* a : by_image[im.id]) {
      const auto c = category.find(a->category_id);
      if (c == category.end())
        throw Error("annotation " + std::to_string(a->id) + ": category " + std::to_string(a->category_id) +
                    " is not in the dataset's categories");
      const auto flags = [&] {
        w.key("flags").begin_object();
        if (a->iscrowd) w.field("iscrowd", true);
        if (a->difficult) w.field("difficult", true);
        if (a->truncated) w.field("truncated", true);
        w.end_object().end_object();
      };
      if (const auto* outline = formats::outline_of(*a)) {
        // One polygon shape per part; several parts share a group_id (LabelMe's way to join them).
        ++group;
        for (const auto& part : *outline) {
          w.begin_object().field("label", c->second->name).key("points").begin_array();
          for (std::size_t k = 0; k + 1 < part.size(); k += 2) {
            const double xy[2] = {part[k], part[k + 1]};
            w.value(std::span<const double>(xy));
          }
          w.end_array().key("group_id");
          if (outline->size() > 1) w.value(group); else w.null();
          w.field("description", "").field("shape_type", "polygon");
          flags();
        }
        continue;
      }
      const double p[2] = {a->bbox.x, a->bbox.y}, q[2] = {a->bbox.x + a->bbox.w, a->bbox.y + a->bbox.h};
      w.begin_object().field("label", c->second->name).key("points").begin_array();
      w.value(std::span<const double>(p)).value(std::span<const double>(q)).end_array();
      w.key("group_id").null().field("description", "").field("shape_type", "rectangle");
      flags();
    }
    w.end_array();
    w.field("imagePath", fs::path(im.file_name).filename().string()).key("imageData").null();
    w.field("imageHeight", size.height).field("imageWidth", size.width).end_object();
    write_file_atomic(dir / rel, w.str() + "\n");
  }
  write_file_atomic(dir / "dataset.yaml", "format: labelme\nannotations: .\n" + formats::classes_yaml(dataset.categories));
}

}  // namespace ds::labelme
