#include "formats/mot/mot_results.hpp"

#include <cmath>
#include <unordered_map>

#include "core/util/csv.hpp"
#include "core/util/error.hpp"
#include "formats/common.hpp"

namespace ds::mot {
namespace {

constexpr double kMaxCoordinate = 1e7;

// Frames, ids and classes: integers, also as trackers that write every column as a float give
// them ("12.000000"); a fraction is refused (TrackEval would truncate it).
std::optional<std::int64_t> whole_number(const std::string& s) {
  if (const auto v = formats::parse_integer(s)) return v;
  const auto d = formats::parse_number(s);
  if (!d || *d != std::floor(*d) || std::fabs(*d) > 9.0e15) return std::nullopt;
  return static_cast<std::int64_t>(*d);
}

Results read(CsvReader& csv, std::int64_t seq_length) {
  Results out;
  out.source = csv.name();
  struct Seen {
    std::int64_t cls;
    std::size_t line;
  };
  std::unordered_map<std::int64_t, Seen> class_of;                 // id -> its class, where first given
  std::unordered_map<std::int64_t, std::size_t> in_frame;          // id -> line, within the current frame
  std::unordered_map<std::int64_t, std::unordered_map<std::int64_t, std::size_t>> frames_seen;  // only when out of order
  std::int64_t current_frame = 0;
  bool ordered = true;
  std::vector<std::string> f;
  while (csv.next(f)) {
    // A trailing comma (some writers end lines with one) leaves an empty last field.
    if (f.size() > 6 && f.back().empty()) f.pop_back();
    if (f.size() < 6 || f.size() > 10)
      throw Error(csv.where() + ": expected 'frame,id,bb_left,bb_top,width,height,conf,class,x,y' (6 to 10 values), got " +
                  std::to_string(f.size()));
    const auto integer = [&](std::size_t i, const char* name) {
      const auto v = whole_number(f[i]);
      if (!v) throw Error(csv.where() + ": " + name + ": expected an integer, got '" + f[i] + "'");
      return *v;
    };
    const auto number = [&](std::size_t i, const char* name) {
      const auto v = formats::parse_number(f[i]);
      if (!v) throw Error(csv.where() + ": " + name + ": expected a number, got '" + f[i] + "'");
      return *v;
    };
    ResultRow r;
    r.line = csv.line();
    r.frame = integer(0, "frame");
    if (r.frame < 1 || r.frame > seq_length)
      throw Error(csv.where() + ": frame " + std::to_string(r.frame) + " is outside the sequence (1.." +
                  std::to_string(seq_length) + ", its seqLength)");
    r.id = integer(1, "id");
    if (r.id < 0) throw Error(csv.where() + ": id " + std::to_string(r.id) + ": track ids are non-negative integers");
    if (r.id > 0xffffffffLL) throw Error(csv.where() + ": id " + std::to_string(r.id) + " is larger than this reader takes (2^32 - 1)");
    r.x = number(2, "bb_left");
    r.y = number(3, "bb_top");
    r.w = number(4, "width");
    r.h = number(5, "height");
    if (r.w < 0 || r.h < 0) throw Error(csv.where() + ": negative width or height");
    // Far beyond any frame: x + w would lose the box (or overflow), and IoU mean nothing.
    const double box[] = {r.x, r.y, r.w, r.h};
    for (std::size_t i = 0; i < 4; ++i)
      if (std::fabs(box[i]) > kMaxCoordinate)
        throw Error(csv.where() + ": box value " + f[2 + i] + " is far outside any frame (more than 10^7 pixels)");
    if (f.size() > 6) r.conf = number(6, "conf");
    if (f.size() > 7) r.cls = integer(7, "class");
    for (std::size_t i = 8; i < f.size(); ++i) number(i, i == 8 ? "x" : "y");
    const auto [it, first] = class_of.try_emplace(r.id, Seen{r.cls, r.line});
    if (!first && it->second.cls != r.cls)
      throw Error(csv.where() + ": id " + std::to_string(r.id) + " is class " + std::to_string(r.cls) + " here but class " +
                  std::to_string(it->second.cls) + " on line " + std::to_string(it->second.line) +
                  " (a track has one class)");
    // An id twice in a frame: files are written frame by frame, so only the current frame's ids are
    // kept, unless the file jumps back.
    if (ordered && r.frame < current_frame) {
      ordered = false;
      for (const ResultRow& old : out.rows) frames_seen[old.frame].emplace(old.id, old.line);
    }
    std::unordered_map<std::int64_t, std::size_t>* ids = nullptr;
    if (ordered) {
      if (r.frame != current_frame) {
        in_frame.clear();
        current_frame = r.frame;
      }
      ids = &in_frame;
    } else {
      ids = &frames_seen[r.frame];
    }
    const auto [at, fresh] = ids->try_emplace(r.id, r.line);
    if (!fresh)
      throw Error(csv.where() + ": id " + std::to_string(r.id) + " is in frame " + std::to_string(r.frame) +
                  " twice (also line " + std::to_string(at->second) + "): an id is one object per frame");
    out.rows.push_back(r);
  }
  return out;
}

}  // namespace

Results read_results(const std::filesystem::path& file, std::int64_t seq_length) {
  CsvReader csv(file);
  return read(csv, seq_length);
}

Results read_results_text(std::string name, std::string text, std::int64_t seq_length) {
  CsvReader csv(std::move(name), std::move(text));
  return read(csv, seq_length);
}

}  // namespace ds::mot
