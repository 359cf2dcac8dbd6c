#include "core/eval/journal.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <unordered_set>

#include "core/mask/rle.hpp"
#include "core/mask/segmentation.hpp"
#include "core/util/crc32.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_writer.hpp"

namespace fs = std::filesystem;

namespace ds {
namespace {

std::string hex8(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
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

std::string journal_line(std::string_view json) { return hex8(crc32(json)) + " " + std::string(json) + "\n"; }

std::string journal_header(const std::string& run) {
  JsonWriter w;
  w.begin_object().field("journal", 1).field("run", run).end_object();
  return w.take();
}

JournalReplay read_journal(const fs::path& path, const std::string& run) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw Error(path.string() + ": no journal to resume from (run without --resume)");
  return parse_journal(read_file(path), path.string(), run);
}

JournalReplay parse_journal(std::string_view text, const std::string& name, const std::string& run) {
  JournalReplay replay;
  simdjson::ondemand::parser parser;
  std::size_t pos = 0, line = 0;
  bool first = true;
  // Each image once, and `next` never going back: two runs appending to one journal broke both
  // (a resume then counted 44 of 40 images).
  std::unordered_set<std::int64_t> seen;
  const auto once = [&](std::int64_t id) {
    if (!seen.insert(id).second)
      throw Error(name + ":" + std::to_string(line) + ": image id " + std::to_string(id) +
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
        throw Error(name + ": the journal is of another run (the run or model config, the files the model "
                                    "config names, the dataset, --limit or --batch-size differ); run without --resume "
                                    "to start over");
      first = false;
    } else {
      const std::string at = name + ":" + std::to_string(line) + ": ";
      try {
        // On-demand values are read once, in order: each field is handled as it comes.
        for (auto entry : doc["images"].get_array()) {
          std::int64_t id = 0;
          std::vector<Detection> dets;
          std::size_t index = 0;
          for (auto field : entry.get_array()) {
            switch (index++) {
              case 0:
                id = field.get_int64();
                break;
              case 1: {
                std::vector<double> v;
                for (auto x : field.get_array()) v.push_back(x.get_double());
                if (v.size() % 6 != 0)
                  throw Error(at + "image " + std::to_string(id) + ": detections are 6 numbers each");
                for (std::size_t i = 0; i < v.size(); i += 6) {
                  // Written from an int64 category id: anything else was not written by us.
                  if (!(v[i] >= -9.0e15 && v[i] <= 9.0e15) || v[i] != std::floor(v[i]))
                    throw Error(at + "image " + std::to_string(id) + ": a category id that is not an integer");
                  dets.push_back({.image_id = id,
                                  .category_id = static_cast<std::int64_t>(v[i]),
                                  .bbox = {v[i + 1], v[i + 2], v[i + 3], v[i + 4]},
                                  .score = v[i + 5]});
                }
                break;
              }
              case 2: {  // masks: [h, w, "counts"] or null each; null for none at all
                if (field.is_null()) break;
                std::size_t k = 0;
                for (auto m : field.get_array()) {
                  if (k >= dets.size()) throw Error(at + "more masks than detections");
                  if (!m.is_null()) {
                    std::uint64_t hw[2] = {0, 0};
                    std::string_view counts;
                    std::size_t n = 0;
                    for (auto part : m.get_array()) {
                      if (n < 2) hw[n] = part.get_uint64();
                      else if (n == 2) counts = part.get_string();
                      ++n;
                    }
                    if (n != 3) throw Error(at + "a mask is [height, width, counts]");
                    if (hw[0] > 0xFFFFFFFFu || hw[1] > 0xFFFFFFFFu) throw Error(at + "a mask's size is out of range");
                    auto seg = std::make_shared<mask::Segmentation>();
                    try {
                      seg->rle = mask::from_string(counts, static_cast<std::uint32_t>(hw[0]),
                                                   static_cast<std::uint32_t>(hw[1]));
                    } catch (const Error& e) {
                      throw Error(at + "image " + std::to_string(id) + ": mask " + std::to_string(k) + ": " + e.what());
                    }
                    dets[k].segmentation = std::move(seg);
                  }
                  ++k;
                }
                break;
              }
              case 3: {  // keypoints: [x, y, v, ...] or null each
                std::size_t k = 0;
                for (auto kp : field.get_array()) {
                  if (k >= dets.size()) throw Error(at + "more keypoints than detections");
                  if (!kp.is_null())
                    for (auto x : kp.get_array()) dets[k].keypoints.push_back(x.get_double());
                  ++k;
                }
                break;
              }
              default:
                throw Error(at + "an image entry is [id, detections(, masks)(, keypoints)]");
            }
          }
          if (index < 2) throw Error(at + "an image entry is [id, detections(, masks)(, keypoints)]");
          for (Detection& d : dets) d.image_id = id;
          once(id);
          replay.images.emplace_back(id, std::move(dets));
        }
        for (auto entry : doc["skipped"].get_array()) {
          std::int64_t id = 0;
          std::string why;
          std::size_t index = 0;
          for (auto field : entry.get_array()) {
            if (index == 0) id = field.get_int64();
            else if (index == 1) why = std::string(std::string_view(field.get_string()));
            ++index;
          }
          if (index != 2) throw Error(at + "a skipped entry is [id, why]");
          once(id);
          replay.skipped.emplace_back(id, std::move(why));
        }
        const auto next = static_cast<std::size_t>(std::uint64_t(doc["next"].get_uint64()));
        if (next < replay.next)
          throw Error(at + "\"next\" goes back from " + std::to_string(replay.next) + " to " + std::to_string(next) +
                      " (did two runs write into this folder?); run without --resume to start over");
        replay.next = next;
      } catch (const simdjson::simdjson_error& e) {
        throw Error(at + "a journal line with a right checksum does not parse: " + e.what());
      }
    }
    pos = end + 1;
    replay.whole_bytes = pos;
  }
  if (first) throw Error(name + ": the journal has no header line (run without --resume)");
  return replay;
}

}  // namespace ds
