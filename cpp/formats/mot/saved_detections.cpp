#include "formats/mot/saved_detections.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <map>

#include "core/util/csv.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_source.hpp"
#include "formats/common.hpp"

namespace ds::mot {
namespace {

// Trackers work in float32: values beyond this are no box of any frame (and would not convert).
constexpr double kMaxValue = 1e7;

// "" when the detection is one a tracker can take, else what is wrong with it.
std::string far_value(const SavedDetection& d) {
  for (const double v : {d.x, d.y, d.w, d.h})
    if (std::fabs(v) > kMaxValue) return "box value " + std::to_string(v) + " is far outside any frame (more than 10^7 pixels)";
  if (std::fabs(d.score) > kMaxValue) return "score " + std::to_string(d.score) + " is beyond 10^7";
  return "";
}

SavedFrames read_jsonl(const std::filesystem::path& file) {
  SavedFrames out;
  const std::string text = read_text_file(file);
  std::size_t pos = 0, line = 0;
  std::int64_t previous = -1;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string_view row(text.data() + pos, end - pos);
    pos = end + 1;
    ++line;
    if (row.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(line);
    JsonSource src(row, where);
    SavedFrame f;
    bool has_frame = false, has_detections = false;
    auto object = src.get_object(src.document(), [&] { return std::string("the line"); });
    for (auto field : object) {
      std::string_view key;
      src.check(field.unescaped_key().get(key), "a key");
      if (key == "frame") {
        f.frame = src.get_int(field.value(), [] { return std::string("'frame'"); }) + 1;
        has_frame = true;
      } else if (key == "image_id") {
        f.image_id = src.get_int(field.value(), [] { return std::string("'image_id'"); });
      } else if (key == "detections") {
        has_detections = true;
        std::size_t k = 0;
        for (auto element : src.get_array(field.value(), [] { return std::string("'detections'"); })) {
          const auto ctx = [&] { return "detections[" + std::to_string(k) + "]"; };
          SavedDetection d;
          std::string label;
          bool has_box = false;
          for (auto df : src.get_object(element.value(), ctx)) {
            std::string_view dk;
            src.check(df.unescaped_key().get(dk), "a key");
            if (dk == "bbox") {
              double b[4];
              src.get_box(df.value(), b, [&] { return ctx() + ": 'bbox'"; });
              d.x = b[0], d.y = b[1], d.w = b[2], d.h = b[3];
              has_box = true;
            } else if (dk == "score") {
              d.score = src.get_finite(df.value(), [&] { return ctx() + ": 'score'"; });
            } else if (dk == "class_id") {
              d.class_id = src.get_int(df.value(), [&] { return ctx() + ": 'class_id'"; });
            } else if (dk == "track_id") {
              d.track_id = src.get_int(df.value(), [&] { return ctx() + ": 'track_id'"; });
            } else if (dk == "label") {
              label = src.get_string(df.value(), [&] { return ctx() + ": 'label'"; });
            }
          }
          if (!has_box) throw Error(where + ": " + ctx() + ": no 'bbox'");
          if (const std::string why = far_value(d); !why.empty()) throw Error(where + ": " + ctx() + ": " + why);
          if (!label.empty()) out.labels.emplace(d.class_id, std::move(label));
          f.detections.push_back(d);
          ++k;
        }
      }
    }
    if (!src.at_end()) src.fail("more than one JSON value on the line");
    if (!has_frame || !has_detections)
      throw Error(where + ": expected detect's detections.jsonl lines ({\"frame\": ..., \"detections\": [...]})");
    if (f.frame - 1 < 0) throw Error(where + ": frame " + std::to_string(f.frame - 1) + " is negative");
    if (f.frame <= previous)
      throw Error(where + ": frame " + std::to_string(f.frame - 1) + " comes after frame " + std::to_string(previous - 1) +
                  ": frames must be in order");
    previous = f.frame;
    out.frames.push_back(std::move(f));
  }
  return out;
}

SavedFrames read_mot(const std::filesystem::path& file) {
  CsvReader csv(file);
  std::map<std::int64_t, std::vector<SavedDetection>> by_frame;
  std::vector<std::string> f;
  while (csv.next(f)) {
    if (f.size() > 6 && f.back().empty()) f.pop_back();
    if (f.size() < 6 || f.size() > 10)
      throw Error(csv.where() + ": expected 'frame,id,bb_left,bb_top,width,height,conf,...' (6 to 10 values), got " +
                  std::to_string(f.size()));
    const auto number = [&](std::size_t i, const char* name) {
      const auto v = formats::parse_number(f[i]);
      if (!v || !std::isfinite(*v)) throw Error(csv.where() + ": " + name + ": expected a number, got '" + f[i] + "'");
      return *v;
    };
    const double frame = number(0, "frame");
    if (frame != std::floor(frame) || frame < 1 || frame > 1e7)
      throw Error(csv.where() + ": frame: expected a frame number from 1, got '" + f[0] + "'");
    SavedDetection d{number(2, "bb_left"), number(3, "bb_top"), number(4, "width"), number(5, "height"),
                     f.size() > 6 ? number(6, "conf") : 1.0, -1};
    // The id column: a detection file's -1, a results file's track (view and render draw it).
    const double id = number(1, "id");
    if (id != std::floor(id) || std::fabs(id) > 1e15) throw Error(csv.where() + ": id: expected an integer, got '" + f[1] + "'");
    d.track_id = id < 0 ? -1 : static_cast<std::int64_t>(id);
    if (d.w < 0 || d.h < 0) throw Error(csv.where() + ": negative width or height");
    if (const std::string why = far_value(d); !why.empty()) throw Error(csv.where() + ": " + why);
    if (f.size() > 7) {
      const double c = number(7, "class");
      if (c != std::floor(c) || std::fabs(c) > 1e9) throw Error(csv.where() + ": class: expected an integer, got '" + f[7] + "'");
      d.class_id = static_cast<std::int64_t>(c);
    }
    by_frame[static_cast<std::int64_t>(frame)].push_back(d);
  }
  SavedFrames out;
  out.one_based = true;
  const std::int64_t last = by_frame.empty() ? 0 : by_frame.rbegin()->first;
  for (std::int64_t i = 1; i <= last; ++i) {
    SavedFrame sf;
    sf.frame = i;
    if (const auto it = by_frame.find(i); it != by_frame.end()) sf.detections = std::move(it->second);
    out.frames.push_back(std::move(sf));
  }
  return out;
}

void append_number(std::string& s, double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

}  // namespace

SavedFrames read_saved_detections(const std::filesystem::path& file) {
  return file.extension() == ".jsonl" ? read_jsonl(file) : read_mot(file);
}

std::string results_line(std::int64_t frame, std::int64_t id, double left, double top, double w, double h, double conf) {
  std::string s = std::to_string(frame) + "," + std::to_string(id);
  for (const double v : {left, top, w, h, conf}) {
    s += ',';
    append_number(s, v);
  }
  s += ",-1,-1,-1\n";
  return s;
}

}  // namespace ds::mot
