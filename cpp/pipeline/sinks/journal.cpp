#include "pipeline/sinks/journal.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <unordered_set>

#include "core/mask/rle.hpp"
#include "core/mask/segmentation.hpp"
#include "core/util/crc32.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_writer.hpp"

namespace fs = std::filesystem;

namespace ds::pipeline {
namespace {

std::string hex8(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

void append_number(std::string& out, double v) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
  out.append(buf, res.ptr);
}

std::string header(const std::string& run) {
  JsonWriter w;
  w.begin_object().field("journal", 1).field("run", run).end_object();
  return w.take();
}

// The JSON of a line whose checksum is right, or nothing (torn or corrupt).
std::optional<std::string_view> checked(std::string_view line) {
  if (line.size() < 10 || line[8] != ' ') return std::nullopt;
  std::uint32_t crc = 0;
  if (std::from_chars(line.data(), line.data() + 8, crc, 16).ptr != line.data() + 8) return std::nullopt;
  const std::string_view json = line.substr(9);
  if (crc32(json) != crc) return std::nullopt;
  return json;
}

}  // namespace

JournalSink::JournalSink(fs::path path, const std::string& run, ClassMapping mapping, bool append)
    : path_(std::move(path)), mapping_(std::move(mapping)), file_(nullptr, &std::fclose) {
  std::error_code ec;
  if (path_.has_parent_path()) fs::create_directories(path_.parent_path(), ec);
  file_.reset(std::fopen(path_.c_str(), append ? "a" : "w"));
  if (!file_) throw Error(path_.string() + ": cannot write the journal: " + std::strerror(errno));
  if (!append) write_line(header(run));
}

Control JournalSink::consume(const Result& r) {
  if (!r.frame.image) throw Error("internal: the journal needs dataset frames");
  std::size_t dropped = 0;
  const std::vector<Detection> dets = host::to_detections(r.frame.image->id, r.detections, mapping_, dropped);
  images_ += images_.empty() ? "[" : ",[";
  images_ += std::to_string(r.frame.image->id) + ",[";
  for (std::size_t i = 0; i < dets.size(); ++i) {
    const Detection& d = dets[i];
    if (i > 0) images_ += ',';
    images_ += std::to_string(d.category_id);
    for (const double v : {d.bbox.x, d.bbox.y, d.bbox.w, d.bbox.h, d.score}) {
      images_ += ',';
      append_number(images_, v);
    }
  }
  images_ += "]";
  // Masks, when the model gives them: [h, w, "counts"] per detection, null for none. Then
  // keypoints, when it gives them: [x, y, v, ...] per detection, null for none (the masks'
  // place is null when there are keypoints and no masks).
  const bool masks = std::any_of(dets.begin(), dets.end(), [](const Detection& d) { return d.segmentation && d.segmentation->rle; });
  const bool keypoints = std::any_of(dets.begin(), dets.end(), [](const Detection& d) { return !d.keypoints.empty(); });
  if (keypoints && !masks) images_ += ",null";
  if (masks) {
    images_ += ",[";
    for (std::size_t i = 0; i < dets.size(); ++i) {
      if (i > 0) images_ += ',';
      const auto& s = dets[i].segmentation;
      if (!s || !s->rle) {
        images_ += "null";
        continue;
      }
      images_ += "[" + std::to_string(s->rle->h) + "," + std::to_string(s->rle->w) + ",";
      append_json_string(images_, mask::to_string(*s->rle));
      images_ += "]";
    }
    images_ += "]";
  }
  if (keypoints) {
    images_ += ",[";
    for (std::size_t i = 0; i < dets.size(); ++i) {
      if (i > 0) images_ += ',';
      if (dets[i].keypoints.empty()) {
        images_ += "null";
        continue;
      }
      images_ += '[';
      for (std::size_t k = 0; k < dets[i].keypoints.size(); ++k) {
        if (k > 0) images_ += ',';
        append_number(images_, dets[i].keypoints[k]);
      }
      images_ += ']';
    }
    images_ += "]";
  }
  images_ += "]";
  next_ = std::max(next_, r.frame.index + 1);
  return Control::kContinue;
}

void JournalSink::skipped(const Frame& f) {
  skipped_ += skipped_.empty() ? "[" : ",[";
  skipped_ += std::to_string(f.image ? f.image->id : -1) + ",";
  append_json_string(skipped_, f.error);
  skipped_ += "]";
  next_ = std::max(next_, f.index + 1);
}

void JournalSink::end_batch() {
  if (images_.empty() && skipped_.empty()) return;
  write_line("{\"images\":[" + images_ + "],\"skipped\":[" + skipped_ + "],\"next\":" + std::to_string(next_) + "}");
  images_.clear();
  skipped_.clear();
}

void JournalSink::finish() {
  if (!file_) return;
  end_batch();  // frames skipped after the last batch
  if (std::fclose(file_.release()) != 0) throw Error(path_.string() + ": cannot write the journal: " + std::strerror(errno));
}

void JournalSink::remove() {
  std::error_code ec;
  fs::remove(path_, ec);
}

void JournalSink::write_line(const std::string& json) {
  const std::string line = hex8(crc32(json)) + " " + json + "\n";
  // Synced per batch: after a power loss the journal holds every batch that was reported done.
  if (std::fwrite(line.data(), 1, line.size(), file_.get()) != line.size() || std::fflush(file_.get()) != 0 ||
      ::fdatasync(::fileno(file_.get())) != 0)
    throw Error(path_.string() + ": cannot write the journal: " + std::strerror(errno));
}

JournalReplay read_journal(const fs::path& path, const std::string& run) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw Error(path.string() + ": no journal to resume from (run without --resume)");
  const std::string text = read_file(path);
  JournalReplay replay;
  simdjson::ondemand::parser parser;
  std::size_t pos = 0, line = 0;
  bool first = true;
  // Each image once, and `next` never going back: two runs appending to one journal broke both
  // (a resume then counted 44 of 40 images).
  std::unordered_set<std::int64_t> seen;
  const auto once = [&](std::int64_t id) {
    if (!seen.insert(id).second)
      throw Error(path.string() + ":" + std::to_string(line) + ": image id " + std::to_string(id) +
                  " is in the journal twice (did two runs write into this folder?); run without --resume to start over");
  };
  while (pos < text.size()) {
    ++line;
    const std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) break;  // torn: the batch being written when it stopped
    const auto json = checked(std::string_view(text).substr(pos, end - pos));
    if (!json) break;  // corrupt: everything from here on is redone
    const simdjson::padded_string padded(*json);
    auto doc = parser.iterate(padded);
    if (first) {
      std::string_view written;
      if (doc["run"].get_string().get(written) != simdjson::SUCCESS || written != run)
        throw Error(path.string() + ": the journal is of another run (the run or model config, the files the model "
                                    "config names, the dataset, --limit or --batch-size differ); run without --resume "
                                    "to start over");
      first = false;
    } else {
      try {
        for (auto entry : doc["images"].get_array()) {
          auto fields = entry.get_array();
          auto it = fields.begin();
          const std::int64_t id = (*it).get_int64();
          ++it;
          std::vector<double> v;
          for (auto x : (*it).get_array()) v.push_back(x.get_double());
          std::vector<Detection> dets;
          for (std::size_t i = 0; i + 5 < v.size(); i += 6)
            dets.push_back({.image_id = id, .category_id = static_cast<std::int64_t>(v[i]), .bbox = {v[i + 1], v[i + 2], v[i + 3], v[i + 4]}, .score = v[i + 5]});
          if (++it != fields.end() && !(*it).is_null()) {  // masks
            std::size_t k = 0;
            for (auto m : (*it).get_array()) {
              if (k >= dets.size()) throw Error(path.string() + ": a journal line has more masks than detections");
              if (!m.is_null()) {
                auto hwc = m.get_array();
                auto f = hwc.begin();
                const auto h = static_cast<std::uint32_t>(std::uint64_t((*f).get_uint64()));
                const auto w = static_cast<std::uint32_t>(std::uint64_t((*++f).get_uint64()));
                const std::string_view counts = (*++f).get_string();
                auto s = std::make_shared<mask::Segmentation>();
                s->rle = mask::from_string(counts, h, w);
                dets[k].segmentation = std::move(s);
              }
              ++k;
            }
          }
          if (it != fields.end() && ++it != fields.end()) {  // keypoints
            std::size_t k = 0;
            for (auto p : (*it).get_array()) {
              if (k >= dets.size()) throw Error(path.string() + ": a journal line has more keypoints than detections");
              if (!p.is_null())
                for (auto x : p.get_array()) dets[k].keypoints.push_back(x.get_double());
              ++k;
            }
          }
          once(id);
          replay.images.emplace_back(id, std::move(dets));
        }
        for (auto entry : doc["skipped"].get_array()) {
          auto fields = entry.get_array();
          auto it = fields.begin();
          const std::int64_t id = (*it).get_int64();
          ++it;
          once(id);
          replay.skipped.emplace_back(id, std::string(std::string_view((*it).get_string())));
        }
        const auto next = static_cast<std::size_t>(std::uint64_t(doc["next"].get_uint64()));
        if (next < replay.next)
          throw Error(path.string() + ":" + std::to_string(line) + ": \"next\" goes back from " +
                      std::to_string(replay.next) + " to " + std::to_string(next) +
                      " (did two runs write into this folder?); run without --resume to start over");
        replay.next = next;
      } catch (const simdjson::simdjson_error& e) {
        throw Error(path.string() + ": a journal line with a right checksum does not parse: " + e.what());
      }
    }
    pos = end + 1;
    replay.whole_bytes = pos;
  }
  if (first) throw Error(path.string() + ": the journal has no header line (run without --resume)");
  return replay;
}

}  // namespace ds::pipeline
