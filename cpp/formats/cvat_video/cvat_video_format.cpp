#include "formats/cvat_video/cvat_video_format.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <optional>
#include <set>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"
#include "formats/common.hpp"
#include "formats/sequence.hpp"
#include "formats/xml_file.hpp"

namespace fs = std::filesystem;

namespace ds::cvat_video {
namespace {

using formats::XmlFile;

// <parent><name>N</name></parent> as a positive integer; `why` says what it is needed for.
std::int64_t positive_child(const XmlFile& xml, const pugi::xml_node& parent, const char* name, const std::string& why,
                            std::int64_t max) {
  const pugi::xml_node node = parent.child(name);
  if (!node) xml.fail(parent, "<" + std::string(parent.name()) + "> without <" + name + "> (" + why + ")");
  const auto v = formats::parse_integer(node.text().get());
  if (!v || *v <= 0) xml.fail(node, "<" + std::string(name) + ">: expected a positive integer, got '" + node.text().get() + "'");
  if (*v > max)
    xml.fail(node, "<" + std::string(name) + ">: " + node.text().get() + " is more than this reader takes (" +
                       std::to_string(max) + ")");
  return *v;
}


// Which video frames a task's frames are: CVAT writes box frames as video frame numbers,
// start_frame + k * step for task frame k (0 <= k < size).
struct Frames {
  std::int64_t size = 0, start = 0, step = 1;
  std::int64_t video_frame(std::int64_t k) const { return start + k * step; }
  // "0..5 (<start_frame> 0, step 1, <size> 6)" for messages.
  std::string describe() const {
    return std::to_string(start) + ".." + std::to_string(video_frame(size - 1)) + " (<start_frame> " +
           std::to_string(start) + ", step " + std::to_string(step) + ", <size> " + std::to_string(size) + ")";
  }
};

// One listed <box> of a track.
struct Key {
  std::int64_t frame = 0;  // task frame
  bool outside = false;
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0, rotation = 0;
  bool crowd = false, difficult = false, truncated = false;
};

// nullopt: an outside box after the task's last frame, which CVAT may write to end a track.
std::optional<Key> read_box(const XmlFile& xml, const pugi::xml_node& box, const Frames& frames) {
  Key k;
  const pugi::xml_attribute frame = box.attribute("frame");
  if (!frame) xml.fail(box, "<box> without 'frame'");
  const auto f = formats::parse_integer(frame.value());
  if (!f) xml.fail(box, "frame: expected an integer, got '" + std::string(frame.value()) + "'");
  const auto outside = formats::parse_flag(box.attribute("outside").value());
  if (!outside) xml.fail(box, "outside: expected 0 or 1, got '" + std::string(box.attribute("outside").value()) + "'");
  k.outside = *outside;
  const std::int64_t offset = *f - frames.start;
  if (k.outside && offset >= frames.size * frames.step) return std::nullopt;
  if (offset < 0 || offset % frames.step != 0 || offset / frames.step >= frames.size)
    xml.fail(box, "frame " + std::to_string(*f) + " is not one of the task's frames " + frames.describe());
  k.frame = offset / frames.step;
  k.x1 = xml.number_attribute(box, "xtl");
  k.y1 = xml.number_attribute(box, "ytl");
  k.x2 = xml.number_attribute(box, "xbr");
  k.y2 = xml.number_attribute(box, "ybr");
  if (k.x2 < k.x1 || k.y2 < k.y1) xml.fail(box, "box has xbr < xtl or ybr < ytl");
  if (box.attribute("rotation")) k.rotation = xml.number_attribute(box, "rotation");
  formats::read_cvat_flags(xml, box, k.crowd, k.difficult, k.truncated);
  return k;
}

// The box on frame `f` between listed boxes `a` and `b` (b == nullptr: after the last one).
Annotation box_at(const Key& a, const Key* b, std::int64_t f) {
  const double t = b ? static_cast<double>(f - a.frame) / static_cast<double>(b->frame - a.frame) : 0.0;
  const auto lerp = [&](double u, double v) { return t == 0 ? u : u + (v - u) * t; };
  const double x1 = lerp(a.x1, b ? b->x1 : 0), y1 = lerp(a.y1, b ? b->y1 : 0);
  const double x2 = lerp(a.x2, b ? b->x2 : 0), y2 = lerp(a.y2, b ? b->y2 : 0);
  const double r = lerp(a.rotation, b ? b->rotation : 0);
  Annotation out;
  out.bbox = {x1, y1, x2 - x1, y2 - y1};
  if (r != 0) {  // a rotated box: its axis-aligned bounding box, as format cvat reads it
    const double rad = r * std::numbers::pi / 180, c = std::abs(std::cos(rad)), s = std::abs(std::sin(rad));
    const double cx = (x1 + x2) / 2, cy = (y1 + y2) / 2;
    const double hw = (out.bbox.w * c + out.bbox.h * s) / 2, hh = (out.bbox.w * s + out.bbox.h * c) / 2;
    out.bbox = {cx - hw, cy - hh, 2 * hw, 2 * hh};
  }
  out.area = out.bbox.w * out.bbox.h;
  out.iscrowd = a.crowd;
  out.difficult = a.difficult;
  out.truncated = a.truncated;
  return out;
}

}  // namespace

Dataset CvatVideoFormat::read(const ConfigNode& spec, const ReadOptions& options) const {
  const fs::path file = spec.existing_file("annotations");
  const XmlFile xml(file);
  const pugi::xml_node root = xml.doc().child("annotations");
  if (!root) throw Error(file.string() + ": not a CVAT file (no <annotations> element)");
  if (root.child("image") && !root.child("track"))
    xml.fail(root.child("image"), "<image> elements: this is CVAT for images; read it with format: cvat");
  const pugi::xml_node meta = root.child("meta");
  if (!meta) xml.fail(root, "<annotations> without <meta> (the frame count and size are there)");
  pugi::xml_node owner = meta.child("task");
  if (!owner) owner = meta.child("job");
  if (!owner) xml.fail(meta, "<meta> without <task> or <job> (the frame count and size are there)");
  Frames task;
  task.size = positive_child(xml, owner, "size", "the frame count", formats::kMaxFrames);
  const std::int64_t frames = task.size;
  pugi::xml_node original = owner.child("original_size");
  if (!original) original = meta.child("original_size");
  if (!original)
    xml.fail(owner, "<" + std::string(owner.name()) +
                        "> without <original_size> (the frame size; video frames cannot be sized without decoding)");
  const std::int64_t width = positive_child(xml, original, "width", "the frame width", formats::kMaxSide);
  const std::int64_t height = positive_child(xml, original, "height", "the frame height", formats::kMaxSide);
  if (const pugi::xml_node s = owner.child("start_frame")) {
    const auto v = formats::parse_integer(s.text().get());
    if (!v || *v < 0) xml.fail(s, "<start_frame>: expected an integer >= 0, got '" + std::string(s.text().get()) + "'");
    task.start = *v;
  }
  if (const std::string filter(trim(owner.child("frame_filter").text().get())); !filter.empty()) {
    const auto v = filter.starts_with("step=") ? formats::parse_integer(filter.substr(5)) : std::nullopt;
    if (!v || *v <= 0) xml.fail(owner.child("frame_filter"), "<frame_filter>: expected 'step=N', got '" + filter + "'");
    task.step = *v;
  }

  const std::vector<std::string> labels = formats::cvat_declared_labels(meta);
  formats::ClassNames classes = spec.has("classes") ? formats::ClassNames::from_spec(spec)
                                : labels.empty()     ? formats::ClassNames()
                                                     : formats::ClassNames::fixed_list(labels);
  Dataset out;
  out.source = file.string();

  // Where the frames are: one video file, or CVAT's exported frame_NNNNNN images.
  std::string video;
  std::map<std::int64_t, std::string> still;
  if (spec.has("images")) {
    out.image_dir = spec.existing_dir("images");
    for (const fs::path& rel : formats::list_images(out.image_dir)) {
      const std::string stem = rel.stem().string();
      if (!stem.starts_with("frame_")) continue;
      if (const auto n = formats::parse_integer(stem.substr(6)); n && *n >= 0) still.emplace(*n, formats::generic(rel));
    }
  } else {
    fs::path path;
    if (spec.has("video")) {
      path = spec.existing_file("video");
    } else {
      pugi::xml_node source = meta.child("source");
      if (!source) source = owner.child("source");
      const std::string name(trim(source.text().get()));
      if (name.empty())
        xml.fail(meta, "<meta> has no <source> naming the video; give the dataset video: FILE or images: DIR (" +
                           spec.file().string() + ")");
      path = (file.parent_path() / name).lexically_normal();
    }
    out.image_dir = path.parent_path();
    video = path.filename().string();
  }
  for (std::int64_t k = 0; k < frames; ++k) {
    Image im;
    im.id = k + 1;
    im.width = static_cast<int>(width);
    im.height = static_cast<int>(height);
    if (!video.empty()) {
      im.file_name = video;
      im.frame = task.video_frame(k);
    } else {
      const auto it = still.find(task.video_frame(k));  // CVAT names them by video frame
      im.file_name = it != still.end() ? it->second : "frame_" + formats::zero_padded(task.video_frame(k), 6) + ".jpg";
    }
    out.images.push_back(std::move(im));
  }

  std::vector<std::vector<Annotation>> on_frame(static_cast<std::size_t>(frames));
  std::map<std::string, std::pair<std::size_t, std::string>> others;
  std::int64_t position = 0;
  for (const pugi::xml_node track : root.children("track")) {
    const std::int64_t index = position++;
    try {
      std::int64_t id = index;
      if (const pugi::xml_attribute a = track.attribute("id")) {
        const auto v = formats::parse_integer(a.value());
        if (!v) xml.fail(track, "id: expected an integer, got '" + std::string(a.value()) + "'");
        id = *v;
      }
      const std::string label = track.attribute("label").value();
      if (label.empty()) xml.fail(track, "<track> without 'label'");
      const auto category = classes.id_of(label);
      if (!category) xml.fail(track, "class '" + label + "' is not one of the labels: " + classes.known());
      std::vector<Key> keys;
      for (const pugi::xml_node shape : track.children()) {
        if (std::string_view(shape.name()) != "box") {
          auto& [count, first] = others[shape.name()];
          if (count++ == 0) first = xml.where(shape);
          continue;
        }
        if (auto key = read_box(xml, shape, task)) keys.push_back(*key);
      }
      std::stable_sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) { return a.frame < b.frame; });
      for (std::size_t i = 1; i < keys.size(); ++i)
        if (keys[i].frame == keys[i - 1].frame)
          xml.fail(track, "<track id=\"" + std::to_string(id) + "\"> has two boxes on frame " +
                              std::to_string(task.video_frame(keys[i].frame)));
      // Collected first, so that a bad box leaves none of its track behind under --skip-bad.
      std::vector<std::pair<std::int64_t, Annotation>> boxes;
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (keys[i].outside) continue;
        const Key* next = i + 1 < keys.size() ? &keys[i + 1] : nullptr;
        const std::int64_t end = next ? next->frame : frames;
        for (std::int64_t f = keys[i].frame; f < end; ++f) {
          Annotation a = box_at(keys[i], next, f);
          a.category_id = *category;
          a.track_id = id;
          boxes.emplace_back(f, a);
        }
      }
      for (auto& [f, a] : boxes) on_frame[static_cast<std::size_t>(f)].push_back(a);
    } catch (const Error& e) {
      formats::skip_or_throw(options, out, e.what());
    }
  }
  for (std::size_t k = 0; k < on_frame.size(); ++k) {
    for (Annotation& a : on_frame[k]) {
      a.id = static_cast<std::int64_t>(out.annotations.size()) + 1;
      a.image_id = static_cast<std::int64_t>(k) + 1;
      out.annotations.push_back(a);
    }
  }
  if (root.child("image"))
    out.warnings.push_back(xml.where(root.child("image")) + ": <image> elements not read (CVAT for video keeps boxes in tracks)");
  for (const auto& [kind, info] : others)
    out.warnings.push_back(std::to_string(info.first) + " <" + kind + "> element(s) in tracks not read as boxes; first at " +
                           info.second);
  classes.finish(out);
  return out;
}

void CvatVideoFormat::write(const Dataset& dataset, const fs::path& dir, const WriteOptions& options) const {
  const formats::Sequence seq = formats::as_sequence(dataset, "cvat-video");
  const auto still_name = [](std::int64_t frame, const Image& im) {
    return fs::path("images") / ("frame_" + formats::zero_padded(frame, 6) + fs::path(im.file_name).extension().string());
  };
  formats::place_sequence(dataset, seq, dir, still_name, options);
  if (seq.video.empty()) {
    std::error_code ec;
    fs::create_directories(dir / "images", ec);  // the dataset.yaml names it even with no frames
  }
  std::unordered_map<std::int64_t, const Category*> category;
  for (const Category& c : dataset.categories) category.emplace(c.id, &c);

  // Tracks: one per (track id, class); a box without a track id, or a second box of a track on
  // one frame, starts a track of its own. In order of first appearance, so reading back gives
  // each frame's boxes in dataset order.
  struct Track {
    std::int64_t id = 0, category = 0;
    std::vector<std::pair<std::int64_t, const Annotation*>> boxes;
    std::set<std::int64_t> frames;
  };
  std::vector<Track> tracks;
  std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> by_key;
  std::set<std::int64_t> used_ids;
  std::int64_t next_id = formats::first_free_track_id(dataset);
  for (const Annotation& a : dataset.annotations) {
    const auto f = seq.frame_of.find(a.image_id);
    if (f == seq.frame_of.end())
      throw Error("annotation " + std::to_string(a.id) + ": image " + std::to_string(a.image_id) + " is not in the images");
    if (!category.contains(a.category_id))
      throw Error("annotation " + std::to_string(a.id) + ": category " + std::to_string(a.category_id) +
                  " is not in the dataset's categories");
    std::size_t t = tracks.size();
    if (a.track_id >= 0) {
      const auto it = by_key.find({a.track_id, a.category_id});
      if (it != by_key.end() && !tracks[it->second].frames.contains(f->second)) t = it->second;
    }
    if (t == tracks.size()) {
      const bool own = a.track_id >= 0 && !used_ids.contains(a.track_id);
      tracks.push_back({own ? a.track_id : next_id++, a.category_id, {}, {}});
      used_ids.insert(tracks.back().id);
      if (own) by_key[{a.track_id, a.category_id}] = t;
    }
    tracks[t].boxes.emplace_back(f->second, &a);
    tracks[t].frames.insert(f->second);
  }

  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("annotations");
  root.append_child("version").text() = "1.1";
  pugi::xml_node meta = root.append_child("meta");
  pugi::xml_node task = meta.append_child("task");
  task.append_child("name").text() = "detection-studio export";
  task.append_child("size").text() = static_cast<long long>(seq.length);
  task.append_child("mode").text() = "interpolation";
  task.append_child("overlap").text() = 0;
  task.append_child("start_frame").text() = 0;
  task.append_child("stop_frame").text() = static_cast<long long>(std::max<std::int64_t>(seq.length - 1, 0));
  task.append_child("frame_filter");
  pugi::xml_node labels = task.append_child("labels");
  for (const Category& c : dataset.categories) {
    pugi::xml_node l = labels.append_child("label");
    l.append_child("name").text() = c.name.c_str();
    l.append_child("type").text() = "rectangle";
    l.append_child("attributes");
  }
  pugi::xml_node size = task.append_child("original_size");
  size.append_child("width").text() = seq.width;
  size.append_child("height").text() = seq.height;
  if (!seq.video.empty()) meta.append_child("source").text() = seq.video.c_str();  // where CVAT puts it

  for (Track& track : tracks) {
    std::stable_sort(track.boxes.begin(), track.boxes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    pugi::xml_node node = root.append_child("track");
    node.append_attribute("id") = static_cast<long long>(track.id);
    node.append_attribute("label") = category.at(track.category)->name.c_str();
    node.append_attribute("source") = "manual";
    const auto add_box = [&](std::int64_t frame, const Annotation& a, bool outside) {
      pugi::xml_node box = node.append_child("box");
      box.append_attribute("frame") = static_cast<long long>(frame);
      box.append_attribute("keyframe") = 1;
      box.append_attribute("outside") = outside ? 1 : 0;
      box.append_attribute("occluded") = 0;
      box.append_attribute("xtl") = format_double(a.bbox.x).c_str();
      box.append_attribute("ytl") = format_double(a.bbox.y).c_str();
      box.append_attribute("xbr") = format_double(a.bbox.x + a.bbox.w).c_str();
      box.append_attribute("ybr") = format_double(a.bbox.y + a.bbox.h).c_str();
      box.append_attribute("z_order") = 0;
      const auto flag = [&](const char* name, bool on) {
        if (!on) return;
        pugi::xml_node attr = box.append_child("attribute");
        attr.append_attribute("name") = name;
        attr.text() = "true";
      };
      flag("iscrowd", a.iscrowd);
      flag("difficult", a.difficult);
      flag("truncated", a.truncated);
    };
    for (std::size_t i = 0; i < track.boxes.size(); ++i) {
      const auto [frame, a] = track.boxes[i];
      add_box(frame, *a, false);
      // Every box is a keyframe, so nothing is interpolated; an outside box ends each run of
      // consecutive frames, or CVAT would carry the box on to the next keyframe or the end.
      const std::int64_t next = i + 1 < track.boxes.size() ? track.boxes[i + 1].first : seq.length;
      if (next > frame + 1) add_box(frame + 1, *a, true);
    }
  }
  write_file_atomic(dir / "annotations.xml", formats::xml_text(doc));
  std::string yaml = "format: cvat-video\nannotations: annotations.xml\n";
  yaml += seq.video.empty() ? "images: images\n" : "video: " + formats::yaml_quote(seq.video) + "\n";
  write_file_atomic(dir / "dataset.yaml", yaml + formats::classes_yaml(dataset.categories));
}

}  // namespace ds::cvat_video
