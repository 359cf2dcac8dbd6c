#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/util/error.hpp"
#include "core/util/json_source.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/coco/read_keypoints.hpp"
#include "formats/coco/read_segmentation.hpp"

namespace ds::coco {
namespace {

using simdjson::ondemand::value;

std::string record(const char* array, std::size_t index) {
  return std::string(array) + "[" + std::to_string(index) + "]";
}

// A record with a content problem: left out under skip_bad, else the error.
class BadRecord {
 public:
  BadRecord(JsonSource& src, Dataset& out, bool skip) : src_(src), out_(out), skip_(skip) {}
  void operator()(const std::string& what) {
    if (!skip_) src_.fail(what);
    out_.skipped.push_back(src_.located(what));
  }

 private:
  JsonSource& src_;
  Dataset& out_;
  bool skip_;
};

// An annotation with keypoints: its position in Dataset::annotations and in the file. Their
// count is checked against the category's once the whole file is read (COCO's own files list
// the categories after the annotations).
struct KeypointRecord {
  std::size_t index, in_file;
};

void check_keypoint_counts(Dataset& out, const std::vector<KeypointRecord>& records, bool skip_bad) {
  if (records.empty()) return;
  std::unordered_map<std::int64_t, std::size_t> names;
  for (const Category& c : out.categories) names.try_emplace(c.id, c.keypoint_names.size());
  std::vector<std::uint8_t> drop;
  for (const KeypointRecord& r : records) {
    const Annotation& a = out.annotations[r.index];
    const auto it = names.find(a.category_id);
    const std::size_t k = it == names.end() ? 0 : it->second;
    if (a.keypoints.size() == 3 * k) continue;
    const std::string what =
        out.source + ": " + record("annotations", r.in_file) + " (id " + std::to_string(a.id) + "): 'keypoints': " +
        (k == 0 ? "category " + std::to_string(a.category_id) + " has no keypoint names (its 'keypoints' in 'categories')"
                : std::to_string(a.keypoints.size() / 3) + " keypoints, category " + std::to_string(a.category_id) +
                      " has " + std::to_string(k) + " (expected " + std::to_string(3 * k) + " numbers)");
    if (!skip_bad) throw Error(what);
    out.skipped.push_back(what);
    drop.resize(out.annotations.size());
    drop[r.index] = 1;
  }
  if (drop.empty()) return;
  std::size_t kept = 0;
  for (std::size_t n = 0; n < out.annotations.size(); ++n)
    if (!drop[n]) out.annotations[kept++] = std::move(out.annotations[n]);
  out.annotations.resize(kept);
}

// An image with LVIS' category lists: where it is in Dataset::images and in the file, and where
// each list starts (to locate an unknown category once the categories are read).
struct LvisLists {
  std::size_t index, in_file;
  std::size_t neg_offset = 0, not_exhaustive_offset = 0;
};

// Every id in the images' LVIS lists must be a category of the file: lvis-api would look an
// unknown one up and never find it, silently (a typo'd id then scores nothing). Under skip_bad
// the unknown ids are dropped from the list.
void check_lvis_lists(JsonSource& src, Dataset& out, const std::vector<LvisLists>& records, bool skip_bad) {
  if (records.empty()) return;
  std::unordered_map<std::int64_t, bool> known;
  for (const Category& c : out.categories) known.emplace(c.id, true);
  for (const LvisLists& r : records) {
    Image& im = out.images[r.index];
    for (const bool neg : {true, false}) {
      std::optional<std::vector<std::int64_t>>& list = neg ? im.neg_category_ids : im.not_exhaustive_category_ids;
      if (!list) continue;
      const char* name = neg ? "neg_category_ids" : "not_exhaustive_category_ids";
      std::erase_if(*list, [&](std::int64_t id) {
        if (known.contains(id)) return false;
        const std::string what = src.located_at(neg ? r.neg_offset : r.not_exhaustive_offset,
                                                record("images", r.in_file) + " (id " + std::to_string(im.id) + "): '" +
                                                    name + "': " + std::to_string(id) + " is not a category of the file");
        if (!skip_bad) throw Error(what);
        out.skipped.push_back(what);
        return true;
      });
    }
  }
}

// A value's JSON text as the file has it (simdjson 3.0 has raw_json for objects and arrays only;
// a scalar's token carries the whitespace after it).
template <class Ctx>
std::string raw_json(JsonSource& src, value v, const Ctx& ctx) {
  simdjson::ondemand::json_type type{};
  src.check(v.type().get(type), ctx);
  std::string_view text;
  if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object o;
    src.check(v.get_object().get(o), ctx);
    src.check(o.raw_json().get(text), ctx);
  } else if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array a;
    src.check(v.get_array().get(a), ctx);
    src.check(a.raw_json().get(text), ctx);
  } else {
    text = v.raw_json_token();
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' || text.back() == '\t'))
      text.remove_suffix(1);
  }
  // On-Demand skips over what it is not asked to parse without checking every literal in it;
  // this text is written back as it is (convert), so it must be JSON.
  if (const JsonSyntaxError e = find_json_syntax_error(text); !e.message.empty())
    src.fail(ctx() + ": " + e.message);
  return std::string(text);
}

void read_images(JsonSource& src, JsonValue images, Dataset& out, BadRecord& bad,
                 std::vector<LvisLists>& lvis_lists) {
  std::size_t index = 0;
  for (auto element : src.get_array(images, [] { return std::string("'images'"); })) {
    const auto ctx = [&] { return record("images", index); };
    value v;
    src.check(element.get(v), ctx);
    Image image;
    LvisLists lists{out.images.size(), index};
    bool has_id = false;
    for (auto field : src.get_object(v, ctx)) {
      std::string_view key;
      src.check(field.unescaped_key().get(key), ctx);
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
      } else if (key == "neg_category_ids" || key == "not_exhaustive_category_ids") {
        const bool neg = key == "neg_category_ids";
        value list;
        src.check(field.value().get(list), fctx);
        (neg ? lists.neg_offset : lists.not_exhaustive_offset) = src.offset_of(list);
        std::vector<std::int64_t> ids;
        for (auto id : src.get_array(list, fctx)) {
          value n;
          src.check(id.get(n), fctx);
          ids.push_back(src.get_int(std::move(n), fctx));
        }
        (neg ? image.neg_category_ids : image.not_exhaustive_category_ids) = std::move(ids);
      } else {
        image.fields.emplace_back(std::string(key), raw_json(src, field.value(), fctx));
      }
    }
    if (!has_id) {
      bad(ctx() + ": missing 'id'");
    } else {
      if (image.neg_category_ids || image.not_exhaustive_category_ids) lvis_lists.push_back(lists);
      out.images.push_back(std::move(image));
    }
    ++index;
  }
}

void read_categories(JsonSource& src, JsonValue categories, Dataset& out, BadRecord& bad) {
  std::size_t index = 0;
  for (auto element : src.get_array(categories, [] { return std::string("'categories'"); })) {
    const auto ctx = [&] { return record("categories", index); };
    value v;
    src.check(element.get(v), ctx);
    Category cat;
    bool has_id = false;
    for (auto field : src.get_object(v, ctx)) {
      std::string_view key;
      src.check(field.unescaped_key().get(key), ctx);
      const auto fctx = [&] { return ctx() + ": '" + std::string(key) + "'"; };
      if (key == "id") {
        cat.id = src.get_int(field.value(), fctx);
        has_id = true;
      } else if (key == "name") {
        cat.name = src.get_string(field.value(), fctx);
      } else if (key == "supercategory") {
        cat.supercategory = src.get_string(field.value(), fctx);
      } else if (key == "keypoints") {
        for (auto name : src.get_array(field.value(), fctx)) {
          value n;
          src.check(name.get(n), fctx);
          cat.keypoint_names.emplace_back(src.get_string(n, fctx));
        }
      } else if (key == "skeleton") {
        for (auto edge : src.get_array(field.value(), fctx)) {
          value e;
          src.check(edge.get(e), fctx);
          std::array<std::int64_t, 2> pair{};
          std::size_t count = 0;
          for (auto end : src.get_array(e, fctx)) {
            value v;
            src.check(end.get(v), fctx);
            if (count == 2) src.fail(fctx() + ": expected pairs of keypoint numbers, got more");
            pair[count++] = src.get_int(std::move(v), fctx);
          }
          if (count != 2) src.fail(fctx() + ": expected pairs of keypoint numbers");
          cat.skeleton.push_back(pair);
        }
      } else if (key == "frequency") {
        cat.frequency = src.get_string(field.value(), fctx);
        if (cat.frequency != "r" && cat.frequency != "c" && cat.frequency != "f") {
          bad(fctx() + ": '" + cat.frequency + "' (LVIS' frequencies are r, c and f: rare, common, frequent)");
          cat.frequency.clear();
        }
      } else if (key == "synset") {
        cat.synset = src.get_string(field.value(), fctx);
      } else if (key == "image_count" || key == "instance_count") {
        const std::int64_t n = src.get_int(field.value(), fctx);
        if (n < 0) src.fail(fctx() + ": expected a count, got " + std::to_string(n));
        (key == "image_count" ? cat.image_count : cat.instance_count) = n;
      } else {
        cat.fields.emplace_back(std::string(key), raw_json(src, field.value(), fctx));
      }
    }
    if (!has_id) {
      bad(ctx() + ": missing 'id'");
    } else {
      if (cat.name.empty()) cat.name = std::to_string(cat.id);
      out.categories.push_back(std::move(cat));
    }
    ++index;
  }
}

void read_annotations(JsonSource& src, JsonValue annotations, Dataset& out, BadRecord& bad,
                      bool masks, std::vector<KeypointRecord>& keypoint_records) {
  std::size_t index = 0;
  for (auto element : src.get_array(annotations, [] { return std::string("'annotations'"); })) {
    Annotation ann;
    const std::size_t at = index++;
    const auto ctx = [&] {
      return record("annotations", at) + (ann.id ? " (id " + std::to_string(ann.id) + ")" : "");
    };
    value v;
    src.check(element.get(v), ctx);
    enum : unsigned { kId = 1, kImage = 2, kCategory = 4, kBox = 8, kArea = 16, kNumKeypoints = 32 };
    unsigned seen = 0;
    for (auto field : src.get_object(v, ctx)) {
      std::string_view key;
      src.check(field.unescaped_key().get(key), ctx);
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
        src.get_numbers(field.value(), &ann.bbox.x, 4, fctx);
        seen |= kBox;
      } else if (key == "area") {
        ann.area = src.get_number(field.value(), fctx);
        seen |= kArea;
      } else if (key == "iscrowd") {
        ann.iscrowd = src.get_flag(field.value(), fctx);
      } else if (key == "difficult") {  // Pascal VOC's flags, kept by our writer
        ann.difficult = src.get_flag(field.value(), fctx);
      } else if (key == "truncated") {
        ann.truncated = src.get_flag(field.value(), fctx);
      } else if (masks && key == "segmentation") {
        ann.segmentation = read_segmentation(src, field.value(), fctx);
      } else if (key == "keypoints") {
        read_keypoints(src, field.value(), ann.keypoints, fctx);
      } else if (key == "num_keypoints") {
        const std::int64_t n = src.get_int(field.value(), fctx);
        if (n < 0 || n > std::numeric_limits<int>::max()) src.fail(fctx() + ": expected a count, got " + std::to_string(n));
        ann.num_keypoints = static_cast<int>(n);
        seen |= kNumKeypoints;
      }
    }
    const char* missing = !(seen & kId)         ? "id"
                          : !(seen & kImage)    ? "image_id"
                          : !(seen & kCategory) ? "category_id"
                          : !(seen & kBox)      ? "bbox"
                                                : nullptr;
    if (missing) {
      bad(ctx() + ": missing '" + missing + "'");
      continue;
    }
    if (!std::isfinite(ann.bbox.x) || !std::isfinite(ann.bbox.y) || !std::isfinite(ann.bbox.w) ||
        !std::isfinite(ann.bbox.h)) {
      bad(ctx() + ": 'bbox': not a finite number");
      continue;
    }
    if (ann.bbox.w < 0 || ann.bbox.h < 0) {
      bad(ctx() + ": 'bbox': negative width or height");
      continue;
    }
    if ((seen & kArea) && !std::isfinite(ann.area)) {
      bad(ctx() + ": 'area': not a finite number");
      continue;
    }
    // Files without 'area' (most converters' output) get the box area.
    if (!(seen & kArea)) ann.area = ann.bbox.w * ann.bbox.h;
    if (const std::string problem = keypoint_problem(ann.keypoints, true); !problem.empty()) {
      bad(ctx() + ": 'keypoints': " + problem);
      continue;
    }
    if (!(seen & kNumKeypoints)) ann.num_keypoints = labelled_keypoints(ann.keypoints);
    if (!ann.keypoints.empty()) keypoint_records.push_back({out.annotations.size(), at});
    out.annotations.push_back(std::move(ann));
  }
}

Dataset read_source(JsonSource& src, bool skip_bad, bool masks) {
  Dataset out;
  BadRecord bad(src, out, skip_bad);
  out.source = src.path().string();
  simdjson::ondemand::object root;
  if (const auto code = src.document().get_object().get(root); code != simdjson::SUCCESS)
    src.fail(code, "top level", "an object with 'images', 'annotations' and 'categories'");
  bool has_images = false;
  std::vector<KeypointRecord> keypoint_records;
  std::vector<LvisLists> lvis_lists;
  for (auto field : root) {
    std::string_view key;
    src.check(field.unescaped_key().get(key), "top level");
    if (key == "images") {
      read_images(src, field.value(), out, bad, lvis_lists);
      has_images = true;
    } else if (key == "annotations") {
      read_annotations(src, field.value(), out, bad, masks, keypoint_records);
    } else if (key == "categories") {
      read_categories(src, field.value(), out, bad);
    }
  }
  if (!has_images) throw Error(out.source + ": missing 'images' (not a COCO instances file?)");
  if (!src.at_end()) src.fail("unexpected content after the top-level object (a '}' too early?)");
  check_keypoint_counts(out, keypoint_records, skip_bad);
  check_lvis_lists(src, out, lvis_lists, skip_bad);
  return out;
}

}  // namespace

Dataset read_instances(const std::filesystem::path& annotations,
                       const std::filesystem::path& image_dir) {
  return read_instances_file(annotations, image_dir, false);
}

Dataset read_instances_file(const std::filesystem::path& annotations,
                            const std::filesystem::path& image_dir, bool skip_bad) {
  return read_instances_file(annotations, image_dir, skip_bad, false);
}

Dataset read_instances_file(const std::filesystem::path& annotations,
                            const std::filesystem::path& image_dir, bool skip_bad, bool masks) {
  JsonSource src(annotations);
  Dataset out = read_source(src, skip_bad, masks);
  out.image_dir = image_dir;
  return out;
}

Dataset read_instances_text(std::string_view json, const std::string& label, bool masks) {
  JsonSource src(json, label);
  return read_source(src, false, masks);
}

}  // namespace ds::coco
