#include "core/util/json_writer.hpp"
#include "core/mask/segmentation.hpp"
#include "formats/coco/coco_json.hpp"

namespace ds::coco {
namespace {

void write_box(JsonWriter& w, const Box& b) {
  const double xywh[4] = {b.x, b.y, b.w, b.h};
  w.key("bbox").value(std::span<const double>(xywh));
}

// As the file had it: polygons as lists of numbers, an RLE compressed or as plain counts.
void write_segmentation(JsonWriter& w, const mask::Segmentation& s) {
  w.key("segmentation");
  if (!s.rle) {
    w.begin_array();
    for (const auto& polygon : s.polygons) w.value(std::span<const double>(polygon));
    w.end_array();
    return;
  }
  const mask::Rle& rle = *s.rle;
  const std::int64_t size[2] = {rle.h, rle.w};
  w.begin_object().key("size").value(std::span<const std::int64_t>(size)).key("counts");
  if (s.rle_compressed) {
    w.value(mask::to_string(rle));
  } else {
    const std::vector<std::int64_t> counts(rle.counts.begin(), rle.counts.end());
    w.value(std::span<const std::int64_t>(counts));
  }
  w.end_object();
}

// A field kept as the file had it, on one line: whitespace outside strings dropped (a
// pretty-printed file's record would otherwise break the one-record-per-line layout).
std::string one_line(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false, escaped = false;
  for (const char c : json) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      continue;
    }
    out += c;
  }
  return out;
}

void write_fields(JsonWriter& w, const std::vector<std::pair<std::string, std::string>>& fields) {
  for (const auto& [k, v] : fields) w.key(k).raw(one_line(v));
}

// `[` + one compact record per line + `]`: small files that still diff and grep well.
template <class T, class WriteOne>
void append_records(std::string& out, std::span<const T> records, WriteOne write_one) {
  out += "[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    JsonWriter w;
    write_one(w, records[i]);
    out += i == 0 ? "\n  " : ",\n  ";
    out += w.str();
  }
  out += records.empty() ? "]" : "\n]";
}

}  // namespace

std::string instances_json(const Dataset& dataset) {
  std::string out = "{\n\"images\": ";
  append_records<Image>(out, dataset.images, [](JsonWriter& w, const Image& im) {
    w.begin_object().field("id", im.id).field("file_name", im.file_name);
    w.field("width", im.width).field("height", im.height);
    if (im.neg_category_ids) w.key("neg_category_ids").value(std::span<const std::int64_t>(*im.neg_category_ids));
    if (im.not_exhaustive_category_ids)
      w.key("not_exhaustive_category_ids").value(std::span<const std::int64_t>(*im.not_exhaustive_category_ids));
    write_fields(w, im.fields);
    w.end_object();
  });
  out += ",\n\"categories\": ";
  append_records<Category>(out, dataset.categories, [](JsonWriter& w, const Category& c) {
    w.begin_object().field("id", c.id).field("name", c.name);
    w.field("supercategory", c.supercategory);
    if (!c.keypoint_names.empty()) {
      w.key("keypoints").begin_array();
      for (const std::string& name : c.keypoint_names) w.value(name);
      w.end_array();
    }
    if (!c.skeleton.empty()) {
      w.key("skeleton").begin_array();
      for (const auto& edge : c.skeleton) w.value(std::span<const std::int64_t>(edge));
      w.end_array();
    }
    if (!c.frequency.empty()) w.field("frequency", c.frequency);
    if (!c.synset.empty()) w.field("synset", c.synset);
    if (c.image_count >= 0) w.field("image_count", c.image_count);
    if (c.instance_count >= 0) w.field("instance_count", c.instance_count);
    write_fields(w, c.fields);
    w.end_object();
  });
  out += ",\n\"annotations\": ";
  append_records<Annotation>(out, dataset.annotations, [](JsonWriter& w, const Annotation& a) {
    w.begin_object().field("id", a.id).field("image_id", a.image_id);
    w.field("category_id", a.category_id);
    write_box(w, a.bbox);
    if (a.segmentation) write_segmentation(w, *a.segmentation);
    w.field("area", a.area).field("iscrowd", a.iscrowd ? 1 : 0);
    if (!a.keypoints.empty()) {
      w.key("keypoints").value(std::span<const double>(a.keypoints));
      w.field("num_keypoints", static_cast<std::int64_t>(a.num_keypoints));
    }
    if (a.difficult) w.field("difficult", 1);
    if (a.truncated) w.field("truncated", 1);
    w.end_object();
  });
  out += "\n}\n";
  return out;
}

std::string results_json(std::span<const Detection> detections) {
  std::string out;
  append_records<Detection>(out, detections, [](JsonWriter& w, const Detection& d) {
    w.begin_object().field("image_id", d.image_id).field("category_id", d.category_id);
    write_box(w, d.bbox);
    if (d.segmentation) write_segmentation(w, *d.segmentation);
    if (!d.keypoints.empty()) w.key("keypoints").value(std::span<const double>(d.keypoints));
    w.field("score", d.score);
    if (d.track_id >= 0) w.field("track_id", d.track_id);  // a tracked run's; COCO readers pass over it
    w.end_object();
  });
  out += "\n";
  return out;
}

}  // namespace ds::coco
