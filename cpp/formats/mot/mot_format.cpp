#include "formats/mot/mot_format.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "core/util/csv.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"
#include "formats/common.hpp"
#include "formats/sequence.hpp"

namespace fs = std::filesystem;

namespace ds::mot {
namespace {

// MOT17/20 ground-truth classes (the devkits' numbering).
const std::vector<std::string> kMotClasses = {
    "pedestrian", "person on vehicle",  "car",           "bicycle",    "motorbike", "non motorized vehicle", "static person",
    "distractor", "occluder",           "occluder on the ground", "occluder full", "reflection", "crowd"};

// seqinfo.ini: `key=value` lines ([Sequence] in every MOT release); keys match in any case.
class SeqInfo {
 public:
  explicit SeqInfo(fs::path file) : file_(std::move(file)) {
    const std::string text = read_file(file_);
    std::size_t start = 0, line = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      ++line;
      const std::string_view row = trim(std::string_view(text).substr(start, end - start));
      start = end + 1;
      if (row.empty() || row.front() == ';' || row.front() == '#' || row.front() == '[') continue;
      const std::size_t eq = row.find('=');
      if (eq == std::string_view::npos)
        throw Error(file_.string() + ":" + std::to_string(line) + ": expected 'key=value', got '" + std::string(row) + "'");
      values_[to_lower(trim(row.substr(0, eq)))] = {std::string(trim(row.substr(eq + 1))), line};
    }
  }
  std::optional<std::string> get(std::string_view key) const {
    const auto it = values_.find(to_lower(key));
    if (it == values_.end()) return std::nullopt;
    return it->second.first;
  }
  // A required positive integer; `why` says what it is needed for.
  std::int64_t positive(std::string_view key, std::string_view why, std::int64_t max) const {
    const auto it = values_.find(to_lower(key));
    if (it == values_.end())
      throw Error(file_.string() + ": missing key '" + std::string(key) + "' (" + std::string(why) + ")");
    const auto v = formats::parse_integer(it->second.first);
    if (!v || *v <= 0)
      throw Error(file_.string() + ":" + std::to_string(it->second.second) + ": " + std::string(key) +
                  ": expected a positive integer, got '" + it->second.first + "'");
    if (*v > max)
      throw Error(file_.string() + ":" + std::to_string(it->second.second) + ": " + std::string(key) + ": " +
                  it->second.first + " is more than this reader takes (" + std::to_string(max) + ")");
    return *v;
  }

 private:
  fs::path file_;
  std::map<std::string, std::pair<std::string, std::size_t>> values_;  // lower-case key -> value, line
};

// The categories a spec's `classes:` fixes, else MOT's own.
std::vector<Category> categories_of(const ConfigNode& spec) {
  formats::ClassNames names =
      spec.has("classes") ? formats::ClassNames::from_spec(spec) : formats::ClassNames::fixed_list(kMotClasses);
  Dataset fixed;
  names.finish(fixed);
  return fixed.categories;
}

std::string class_list(const std::vector<Category>& categories) {
  std::string out;
  for (std::size_t i = 0; i < categories.size() && i < 20; ++i)
    out += (i ? ", " : "") + std::to_string(categories[i].id) + " " + categories[i].name;
  return categories.size() > 20 ? out + ", ..." : out;
}

}  // namespace

Dataset MotFormat::read(const ConfigNode& spec, const ReadOptions& options) const {
  const fs::path seq = spec.existing_dir("sequence");
  const fs::path info_file = seq / "seqinfo.ini";
  if (!fs::is_regular_file(info_file)) spec.fail("sequence", info_file.string() + ": file not found (MOT sequences have a seqinfo.ini)");
  const SeqInfo info(info_file);
  const std::int64_t length = info.positive("seqLength", "the number of frames", formats::kMaxFrames);
  const std::int64_t width =
      info.positive("imWidth", "the frame width; video frames cannot be sized without decoding", formats::kMaxSide);
  const std::int64_t height =
      info.positive("imHeight", "the frame height; video frames cannot be sized without decoding", formats::kMaxSide);
  const fs::path gt = spec.has("gt") ? spec.existing_file("gt") : seq / "gt" / "gt.txt";
  if (!fs::is_regular_file(gt)) spec.fail("sequence", gt.string() + ": file not found (the ground truth, gt/gt.txt)");
  const std::string zero_conf = spec.string_or("zero_conf", "crowd");
  if (zero_conf != "crowd" && zero_conf != "skip") spec.fail("zero_conf", "expected crowd or skip, got '" + zero_conf + "'");

  Dataset out;
  out.source = gt.string();
  out.categories = categories_of(spec);
  std::unordered_map<std::int64_t, bool> known_class;
  for (const Category& c : out.categories) known_class[c.id] = true;

  // One image per frame, annotated or not: a detection on an empty frame is a false positive.
  std::string video;
  if (spec.has("video")) {
    const fs::path file = spec.existing_file("video");
    out.image_dir = file.parent_path();
    video = file.filename().string();
  } else {
    out.image_dir = seq;
  }
  const fs::path im_dir = info.get("imDir").value_or("img1");
  const std::string im_ext = info.get("imExt").value_or(".jpg");
  std::vector<Image> images;
  for (std::int64_t f = 1; f <= length; ++f) {
    Image im;
    im.id = f;
    im.width = static_cast<int>(width);
    im.height = static_cast<int>(height);
    if (!video.empty()) {
      im.file_name = video;
      im.frame = f - 1;
    } else {
      im.file_name = formats::generic(im_dir / (formats::zero_padded(f, 6) + im_ext));
    }
    images.push_back(std::move(im));
  }

  std::vector<std::vector<Annotation>> on_frame(static_cast<std::size_t>(length) + 1);
  std::size_t left_out = 0;
  CsvReader csv(gt);
  std::vector<std::string> fields;
  while (csv.next(fields)) {
    try {
      if (fields.size() < 6 || fields.size() > 10)
        throw Error(csv.where() + ": expected 'frame,id,x,y,w,h,conf,class,visibility' (6 to 10 values), got " +
                    std::to_string(fields.size()));
      const auto integer = [&](std::size_t i, const char* name) {
        const auto v = formats::parse_integer(fields[i]);
        if (!v) throw Error(csv.where() + ": " + name + ": expected an integer, got '" + fields[i] + "'");
        return *v;
      };
      const auto number = [&](std::size_t i, const char* name) {
        const auto v = formats::parse_number(fields[i]);
        if (!v) throw Error(csv.where() + ": " + name + ": expected a number, got '" + fields[i] + "'");
        return *v;
      };
      const std::int64_t frame = integer(0, "frame");
      if (frame < 1 || frame > length)
        throw Error(csv.where() + ": frame " + std::to_string(frame) + " is outside the sequence (1.." + std::to_string(length) +
                    ", seqLength in " + info_file.string() + ")");
      Annotation a;
      a.track_id = integer(1, "id");
      a.bbox = {number(2, "bb_left") - 1, number(3, "bb_top") - 1, number(4, "width"), number(5, "height")};
      if (a.bbox.w < 0 || a.bbox.h < 0) throw Error(csv.where() + ": negative width or height");
      const double conf = fields.size() > 6 ? number(6, "conf") : 1.0;
      // Ten values: MOT15's layout, world x, y, z after conf and no class (all pedestrians).
      const bool mot15 = fields.size() == 10;
      a.category_id = fields.size() > 7 && !mot15 ? integer(7, "class") : 1;
      if (fields.size() > 8 && !mot15) number(8, "visibility");  // checked, not kept
      if (!known_class.contains(a.category_id))
        throw Error(csv.where() + ": class " + std::to_string(a.category_id) + " is not one of the classes (" +
                    class_list(out.categories) + ")");
      if (conf == 0) {
        if (zero_conf == "skip") {
          ++left_out;
          continue;
        }
        a.iscrowd = true;
      }
      a.area = a.bbox.w * a.bbox.h;
      on_frame[static_cast<std::size_t>(frame)].push_back(a);
    } catch (const Error& e) {
      formats::skip_or_throw(options, out, e.what());
    }
  }
  if (left_out > 0)
    out.warnings.push_back(gt.string() + ": " + std::to_string(left_out) + " line(s) with conf 0 left out (zero_conf: skip)");
  for (std::int64_t f = 1; f <= length; ++f) {
    for (Annotation& a : on_frame[static_cast<std::size_t>(f)]) {
      a.id = static_cast<std::int64_t>(out.annotations.size()) + 1;
      a.image_id = f;
      out.annotations.push_back(a);
    }
  }
  out.images = std::move(images);
  return out;
}

void MotFormat::write(const Dataset& dataset, const fs::path& dir, const WriteOptions& options) const {
  const formats::Sequence seq = formats::as_sequence(dataset, "mot");
  // seqinfo.ini has one imExt: still frames must share it.
  std::string ext = ".jpg";
  if (seq.video.empty() && !dataset.images.empty()) {
    ext = to_lower(fs::path(dataset.images.front().file_name).extension().string());
    for (const Image& im : dataset.images)
      if (to_lower(fs::path(im.file_name).extension().string()) != ext)
        throw Error("mot frames share one extension (seqinfo.ini's imExt): image " + std::to_string(im.id) + " (" +
                    im.file_name + ") is not " + ext + " like " + dataset.images.front().file_name);
  }
  const auto still_name = [&](std::int64_t frame, const Image&) { return fs::path("img1") / (formats::zero_padded(frame + 1, 6) + ext); };
  formats::place_sequence(dataset, seq, dir, still_name, options);

  // Lines in frame order, and within a frame in dataset order (readers keep that order).
  std::vector<std::pair<std::int64_t, const Annotation*>> rows;
  for (const Annotation& a : dataset.annotations) {
    const auto f = seq.frame_of.find(a.image_id);
    if (f == seq.frame_of.end())
      throw Error("annotation " + std::to_string(a.id) + ": image " + std::to_string(a.image_id) + " is not in the images");
    rows.emplace_back(f->second + 1, &a);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::int64_t next_track = formats::first_free_track_id(dataset);
  std::string gt;
  for (const auto& [frame, a] : rows) {
    const std::int64_t track = a->track_id >= 0 ? a->track_id : next_track++;  // a box without a track: its own
    gt += std::to_string(frame) + "," + std::to_string(track) + "," + format_double(a->bbox.x + 1) + "," +
          format_double(a->bbox.y + 1) + "," + format_double(a->bbox.w) + "," + format_double(a->bbox.h) + "," +
          (a->iscrowd ? "0" : "1") + "," + std::to_string(a->category_id) + ",-1\n";
  }
  // The sequence's name is its folder's, as the user will know it (not a staging folder's).
  const fs::path named = fs::absolute(options.final_dir.empty() ? dir : options.final_dir).lexically_normal();
  std::string name = named.filename().string();
  if (name.empty()) name = named.parent_path().filename().string();
  write_file_atomic(dir / "gt" / "gt.txt", gt);
  write_file_atomic(dir / "seqinfo.ini", "[Sequence]\nname=" + name + "\nimDir=img1\nseqLength=" + std::to_string(seq.length) +
                                             "\nimWidth=" + std::to_string(seq.width) + "\nimHeight=" +
                                             std::to_string(seq.height) + "\nimExt=" + ext + "\n");
  std::string yaml = "format: mot\nsequence: .\n";
  if (!seq.video.empty()) yaml += "video: " + formats::yaml_quote(seq.video) + "\n";
  write_file_atomic(dir / "dataset.yaml", yaml + formats::classes_yaml(dataset.categories));
}

}  // namespace ds::mot
