#include <string>

#include "core/util/error.hpp"
#include "core/util/json_source.hpp"
#include "formats/coco/coco_json.hpp"

namespace ds::coco {
namespace {

using simdjson::ondemand::value;

std::string record(const char* array, std::size_t index) {
  return std::string(array) + "[" + std::to_string(index) + "]";
}

void read_images(JsonSource& src, JsonValue images, Dataset& out) {
  std::size_t index = 0;
  for (auto element : src.get_array(images, [] { return std::string("'images'"); })) {
    const auto ctx = [&] { return record("images", index); };
    value v;
    src.check(element.get(v), ctx());
    Image image;
    bool has_id = false;
    for (auto field : src.get_object(v, ctx)) {
      std::string_view key;
      src.check(field.unescaped_key().get(key), ctx());
      const auto fctx = [&] { return ctx() + ": '" + std::string(key) + "'"; };
      if (key == "id") {
        image.id = src.get_int(field.value(), fctx);
        has_id = true;
      } else if (key == "file_name") {
        image.file_name = src.get_string(field.value(), fctx);
      } else if (key == "width") {
        image.width = static_cast<int>(src.get_int(field.value(), fctx));
      } else if (key == "height") {
        image.height = static_cast<int>(src.get_int(field.value(), fctx));
      }
    }
    if (!has_id) src.fail(ctx() + ": missing 'id'");
    out.images.push_back(std::move(image));
    ++index;
  }
}

void read_categories(JsonSource& src, JsonValue categories, Dataset& out) {
  std::size_t index = 0;
  for (auto element : src.get_array(categories, [] { return std::string("'categories'"); })) {
    const auto ctx = [&] { return record("categories", index); };
    value v;
    src.check(element.get(v), ctx());
    Category cat;
    bool has_id = false;
    for (auto field : src.get_object(v, ctx)) {
      std::string_view key;
      src.check(field.unescaped_key().get(key), ctx());
      const auto fctx = [&] { return ctx() + ": '" + std::string(key) + "'"; };
      if (key == "id") {
        cat.id = src.get_int(field.value(), fctx);
        has_id = true;
      } else if (key == "name") {
        cat.name = src.get_string(field.value(), fctx);
      } else if (key == "supercategory") {
        cat.supercategory = src.get_string(field.value(), fctx);
      }
    }
    if (!has_id) src.fail(ctx() + ": missing 'id'");
    if (cat.name.empty()) cat.name = std::to_string(cat.id);
    out.categories.push_back(std::move(cat));
    ++index;
  }
}

void read_annotations(JsonSource& src, JsonValue annotations, Dataset& out) {
  std::size_t index = 0;
  for (auto element : src.get_array(annotations, [] { return std::string("'annotations'"); })) {
    Annotation ann;
    const auto ctx = [&] {
      return record("annotations", index) + (ann.id ? " (id " + std::to_string(ann.id) + ")" : "");
    };
    value v;
    src.check(element.get(v), ctx());
    enum : unsigned { kId = 1, kImage = 2, kCategory = 4, kBox = 8, kArea = 16 };
    unsigned seen = 0;
    for (auto field : src.get_object(v, ctx)) {
      std::string_view key;
      src.check(field.unescaped_key().get(key), ctx());
      const auto fctx = [&] { return ctx() + ": '" + std::string(key) + "'"; };
      if (key == "id") {
        ann.id = src.get_int(field.value(), fctx);
        seen |= kId;
      } else if (key == "image_id") {
        ann.image_id = src.get_int(field.value(), fctx);
        seen |= kImage;
      } else if (key == "category_id") {
        ann.category_id = src.get_int(field.value(), fctx);
        seen |= kCategory;
      } else if (key == "bbox") {
        src.get_box(field.value(), &ann.bbox.x, fctx);
        seen |= kBox;
      } else if (key == "area") {
        ann.area = src.get_finite(field.value(), fctx);
        seen |= kArea;
      } else if (key == "iscrowd") {
        ann.iscrowd = src.get_flag(field.value(), fctx);
      } else if (key == "difficult") {  // Pascal VOC's flag, kept by converters
        ann.difficult = src.get_flag(field.value(), fctx);
      }
    }
    if (!(seen & kId)) src.fail(ctx() + ": missing 'id'");
    if (!(seen & kImage)) src.fail(ctx() + ": missing 'image_id'");
    if (!(seen & kCategory)) src.fail(ctx() + ": missing 'category_id'");
    if (!(seen & kBox)) src.fail(ctx() + ": missing 'bbox'");
    // Files without 'area' (most converters' output) get the box area.
    if (!(seen & kArea)) ann.area = ann.bbox.w * ann.bbox.h;
    out.annotations.push_back(ann);
    ++index;
  }
}

Dataset read_instances(JsonSource& src) {
  Dataset out;
  out.source = src.path().string();
  simdjson::ondemand::object root;
  if (const auto code = src.document().get_object().get(root); code != simdjson::SUCCESS)
    src.fail(code, "top level", "an object with 'images', 'annotations' and 'categories'");
  bool has_images = false;
  for (auto field : root) {
    std::string_view key;
    src.check(field.unescaped_key().get(key), "top level");
    if (key == "images") {
      read_images(src, field.value(), out);
      has_images = true;
    } else if (key == "annotations") {
      read_annotations(src, field.value(), out);
    } else if (key == "categories") {
      read_categories(src, field.value(), out);
    }
  }
  if (!has_images) throw Error(out.source + ": missing 'images' (not a COCO instances file?)");
  return out;
}

}  // namespace

Dataset read_instances(const std::filesystem::path& annotations,
                       const std::filesystem::path& image_dir) {
  JsonSource src(annotations);
  Dataset out = read_instances(src);
  out.image_dir = image_dir;
  return out;
}

Dataset read_instances_text(std::string_view json, const std::string& label) {
  JsonSource src(json, label);
  return read_instances(src);
}

}  // namespace ds::coco
