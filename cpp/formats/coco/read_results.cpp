#include <algorithm>
#include <cstring>
#include <future>
#include <optional>
#include <string>
#include <iterator>
#include <thread>

#include "core/util/error.hpp"
#include "core/util/json_source.hpp"
#include "core/mask/segmentation.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/coco/read_keypoints.hpp"
#include "formats/coco/read_segmentation.hpp"

namespace ds::coco {
namespace {

// What a results file is read for beyond boxes: each record's 'segmentation', its 'keypoints'
// (and whether every record must have them).
struct Fields {
  bool masks = false;
  bool keypoints = false;
  bool need_keypoints = false;
};

// Appends the records of `src`'s top-level array to `out`. With `has_box` (mask or keypoint
// results), 'bbox' may be missing and has_box says which record had one; `fields` says what
// else is read.
void read_records(JsonSource& src, std::vector<Detection>& out,
                  std::vector<std::uint8_t>* has_box = nullptr, Fields fields = {}) {
  simdjson::ondemand::array records;
  if (const auto code = src.document().get_array().get(records); code != simdjson::SUCCESS)
    src.fail(code, "top level", "an array of detections");
  std::size_t index = 0;
  for (auto element : records) {
    Detection det;
    const auto ctx = [&] { return "detection [" + std::to_string(index) + "]"; };
    simdjson::ondemand::value v;
    src.check(element.get(v), ctx);
    enum : unsigned { kImage = 1, kCategory = 2, kBox = 4, kScore = 8, kKeypoints = 16 };
    unsigned seen = 0;
    for (auto field : src.get_object(v, ctx)) {
      // Raw key bytes compared in place: unescaping every key of 500k records costs more than
      // the numbers. (A key spelled with \u escapes would not match: no writer does that.)
      simdjson::ondemand::raw_json_string key;
      src.check(field.key().get(key), ctx);
      const auto named = [&](const char* name) { return [&ctx, name] { return ctx() + ": '" + name + "'"; }; };
      if (key == "image_id") {
        det.image_id = src.get_int(field.value(), named("image_id"));
        seen |= kImage;
      } else if (key == "category_id") {
        det.category_id = src.get_int(field.value(), named("category_id"));
        seen |= kCategory;
      } else if (key == "bbox") {
        src.get_box(field.value(), &det.bbox.x, named("bbox"));
        seen |= kBox;
      } else if (key == "score") {
        det.score = src.get_finite(field.value(), named("score"));
        seen |= kScore;
      } else if (key == "track_id") {  // a tracked run's (evaluate with a tracker:): view and render draw it
        det.track_id = src.get_int(field.value(), named("track_id"));
      } else if (fields.masks && key == "segmentation") {
        det.segmentation = read_segmentation(src, field.value(), named("segmentation"));
      } else if (fields.keypoints && key == "keypoints") {
        read_keypoints(src, field.value(), det.keypoints, named("keypoints"));
        if (const std::string problem = keypoint_problem(det.keypoints, false); !problem.empty())
          src.fail(ctx() + ": 'keypoints': " + problem);
        if (det.keypoints.empty()) src.fail(ctx() + ": 'keypoints': empty");
        seen |= kKeypoints;
      }
    }
    if (!(seen & kImage)) src.fail(ctx() + ": missing 'image_id'");
    if (!(seen & kCategory)) src.fail(ctx() + ": missing 'category_id'");
    if (has_box) has_box->push_back((seen & kBox) != 0);
    else if (!(seen & kBox)) src.fail(ctx() + ": missing 'bbox' (results without boxes are read for --iou-type segm only)");
    if (!(seen & kScore)) src.fail(ctx() + ": missing 'score'");
    if (fields.need_keypoints && !(seen & kKeypoints)) src.fail(ctx() + ": missing 'keypoints'");
    out.push_back(std::move(det));
    ++index;
  }
  // Nothing may follow the list: a ']' too early would otherwise drop every record after it.
  if (!src.at_end()) src.fail("unexpected content after the list of detections (a ']' too early?)");
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Where to cut a results file at or after `from`: the first "}<ws>,<ws>{" there, as the offsets
// of the ',' and of the whitespace char after it. Only a candidate (it could sit inside a string
// or a nested value).
std::optional<std::pair<std::size_t, std::size_t>> cut_after(std::string_view text, std::size_t from) {
  for (std::size_t i = text.find('}', from); i != std::string_view::npos; i = text.find('}', i + 1)) {
    std::size_t j = i + 1;
    while (j < text.size() && is_space(text[j])) ++j;
    if (j + 1 >= text.size() || text[j] != ',' || !is_space(text[j + 1])) continue;
    std::size_t k = j + 1;
    while (k < text.size() && is_space(text[k])) ++k;
    if (k < text.size() && text[k] == '{') return std::pair{j, j + 1};
  }
  return std::nullopt;
}

// A large results file in pieces of about `piece_bytes`, the first half of the pieces on one
// thread and the second on another, without copying: at each cut the ',' becomes ']' (ending
// "[earlier records]") and the space after it '[' (starting "[later records]"). Pieces bound
// simdjson's index (4 bytes per structural character: 500 MB of results would need ~500 MB of
// it at once). Each piece must parse completely as an array of detections; a cut anywhere but
// between two top-level records leaves a piece with an unclosed string, object or array, which
// fails. On any failure the text is restored and nothing returned: the caller then reads the
// whole file in one piece, which also words the error.
std::optional<std::vector<Detection>> read_halves(simdjson::padded_string& text, const std::string& label,
                                                  std::size_t piece_bytes) {
  const std::string_view view(text.data(), text.size());
  std::vector<std::pair<std::size_t, std::size_t>> cuts;  // (comma, space), increasing
  const std::size_t pieces = std::max<std::size_t>(2, text.size() / std::max<std::size_t>(piece_bytes, 1));
  for (std::size_t n = 1; n < pieces; ++n) {
    const std::size_t from = std::max(text.size() / pieces * n, cuts.empty() ? 0 : cuts.back().second + 1);
    if (const auto cut = cut_after(view, from)) cuts.push_back(*cut);
  }
  if (cuts.empty()) return std::nullopt;
  std::vector<char> saved_space;
  for (const auto& [comma, space] : cuts) {
    saved_space.push_back(text.data()[space]);
    text.data()[comma] = ']';
    text.data()[space] = '[';
  }
  const std::size_t capacity = text.size() + simdjson::SIMDJSON_PADDING;
  // Piece p spans [begin(p), end(p)): from the file's start or a cut's '[' to the next cut's ']'
  // (included) or the file's end.
  const auto begin = [&](std::size_t p) { return p == 0 ? std::size_t{0} : cuts[p - 1].second; };
  const auto end = [&](std::size_t p) { return p == cuts.size() ? text.size() : cuts[p].first + 1; };
  // A results file is ~90 bytes per detection. The first thread's vector is reserved for the
  // whole file, so joining does not move it (reserved pages cost nothing until written).
  const auto read_pieces = [&](std::size_t p0, std::size_t p1, std::vector<Detection>& out, std::size_t bytes) {
    out.reserve(bytes / 80 + 16);
    for (std::size_t p = p0; p < p1; ++p) {
      JsonSource src(simdjson::padded_string_view(text.data() + begin(p), end(p) - begin(p), capacity - begin(p)),
                     label);
      const std::size_t before = out.size();
      read_records(src, out);
      if (out.size() == before) throw Error("an empty piece");  // a cut that was not between records
    }
  };
  const std::size_t n_pieces = cuts.size() + 1, middle = n_pieces / 2;
  try {
    std::vector<Detection> second;
    auto later = std::async(std::launch::async, [&] {
      read_pieces(middle, n_pieces, second, text.size() - begin(middle));
    });
    std::vector<Detection> out;
    bool first_failed = false;
    try {
      read_pieces(0, middle, out, text.size());
    } catch (const Error&) {
      first_failed = true;
    }
    later.get();
    if (!first_failed) {
      // Read: the caller needs the text only when this fails, so it goes before the pieces are
      // joined: the peak then holds the text or the whole detections, not both.
      text = simdjson::padded_string();
      out.insert(out.end(), std::make_move_iterator(second.begin()), std::make_move_iterator(second.end()));
      return out;
    }
  } catch (const Error&) {
  }
  for (std::size_t n = 0; n < cuts.size(); ++n) {
    text.data()[cuts[n].first] = ',';
    text.data()[cuts[n].second] = saved_space[n];
  }
  return std::nullopt;
}

}  // namespace

namespace {

// The box a keypoint result without one gets in pycocotools' loadRes: the extent of all its
// keypoints (v = 0 too).
Box keypoint_extent(const std::vector<double>& kp) {
  double x0 = kp[0], x1 = x0, y0 = kp[1], y1 = y0;
  for (std::size_t k = 3; k < kp.size(); k += 3) {
    x0 = std::min(x0, kp[k]);
    x1 = std::max(x1, kp[k]);
    y0 = std::min(y0, kp[k + 1]);
    y1 = std::max(y1, kp[k + 1]);
  }
  return {x0, y0, x1 - x0, y1 - y0};
}

// With `keypoints`, records may carry keypoints too, and one without a box or a mask gets its
// keypoints' extent as its box (render, view and merge read any results file this way).
std::vector<Detection> mask_results(JsonSource& src, const std::string& file, bool keypoints = false) {
  std::vector<Detection> out;
  std::vector<std::uint8_t> has_box;
  read_records(src, out, &has_box, {.masks = true, .keypoints = keypoints});
  const auto where = [&](std::size_t n) { return file + ": detection [" + std::to_string(n) + "]: "; };
  // pycocotools' loadRes decides from the first record how to read all of them.
  const bool boxes = !has_box.empty() && has_box[0];
  for (std::size_t n = 0; n < out.size(); ++n) {
    Detection& d = out[n];
    if (boxes) {
      // A box without a mask is scored as the box's polygon (coco::record_masks), as loadRes does.
      if (!has_box[n]) throw Error(where(n) + "missing 'bbox' (the first detection has one, so every one needs it)");
      if (d.segmentation && !d.segmentation->rle)
        if (const auto problem = mask::polygons_problem(*d.segmentation))
          throw Error(where(n) + "'segmentation': " + *problem);
      continue;
    }
    if (!d.segmentation && keypoints && !d.keypoints.empty()) {
      if (!has_box[n]) d.bbox = keypoint_extent(d.keypoints);
      continue;
    }
    if (!d.segmentation)
      throw Error(where(n) + "missing 'segmentation' (the first detection has no 'bbox', so every one needs a mask" +
                  (keypoints ? " or keypoints)" : ")"));
    if (!d.segmentation->rle)
      throw Error(where(n) + "'segmentation': polygons need a 'bbox' beside them (pycocotools reads masks without boxes only as RLE)");
    d.mask_area = mask::area(*d.segmentation->rle);
    if (!has_box[n]) {
      const auto b = mask::to_bbox(*d.segmentation->rle);
      d.bbox = {b[0], b[1], b[2], b[3]};
    }
  }
  return out;
}

std::vector<Detection> keypoint_results(JsonSource& src, const std::string& file) {
  std::vector<Detection> out;
  std::vector<std::uint8_t> has_box;
  read_records(src, out, &has_box, {.keypoints = true, .need_keypoints = true});
  // pycocotools' loadRes decides from the first record: with a 'bbox', every record needs one
  // and its area is the box's; without, each record's box is its keypoints' extent (all of
  // them, v = 0 too), and its area that box's, w * h, which our matching uses.
  const bool boxes = !has_box.empty() && has_box[0];
  for (std::size_t n = 0; n < out.size(); ++n) {
    Detection& d = out[n];
    if (boxes) {
      if (!has_box[n])
        throw Error(file + ": detection [" + std::to_string(n) + "]: missing 'bbox' (the first detection has one, so every one needs it)");
      continue;
    }
    d.bbox = keypoint_extent(d.keypoints);
  }
  return out;
}

}  // namespace

std::vector<Detection> read_results(const std::filesystem::path& results,
                                    std::size_t split_above, std::size_t piece_bytes) {
  simdjson::padded_string text = JsonSource::load(results);
  if (text.size() > split_above && std::thread::hardware_concurrency() > 1)
    if (auto out = read_halves(text, results.string(), piece_bytes)) return std::move(*out);
  JsonSource src(std::move(text), results.string());
  std::vector<Detection> out;
  // A results file is ~90 bytes per detection; reserving avoids most regrowth.
  out.reserve(src.document_size() / 80 + 16);
  read_records(src, out);
  return out;
}

ResultsStream::ResultsStream(const std::filesystem::path& results, std::size_t piece_bytes)
    : path_(results), file_(std::fopen(results.c_str(), "rb")), piece_bytes_(std::max<std::size_t>(piece_bytes, 1)) {
  if (!file_) JsonSource::load(results);  // its messages for a missing or unreadable file
  if (!file_) throw Error(results.string() + ": cannot open");
}

bool ResultsStream::next(std::vector<Detection>& out) {
  out.clear();
  if (ended_) return false;
  // Read until the text holds a cut: a record's '{' after "}<ws>,<ws>" (the last one read), or
  // the file ends.
  std::size_t cut = std::string::npos, comma = 0;
  for (;;) {
    const std::size_t before = text_.size();
    const std::size_t want = std::max(piece_bytes_, text_.size());
    text_.resize(before + want);
    const std::size_t got = std::fread(text_.data() + before, 1, want, file_.get());
    text_.resize(before + got);
    if (got < want) {
      if (std::ferror(file_.get())) throw Error(path_.string() + ": read error");
      ended_ = true;
      break;
    }
    for (std::size_t i = text_.rfind('{'); i != std::string::npos && i > 0; i = text_.rfind('{', i - 1)) {
      std::size_t j = i;
      while (j > 0 && is_space(text_[j - 1])) --j;
      if (j == 0 || text_[j - 1] != ',') continue;
      std::size_t k = j - 1;
      while (k > 0 && is_space(text_[k - 1])) --k;
      if (k == 0 || text_[k - 1] != '}') continue;
      cut = i;
      comma = j - 1;
      break;
    }
    if (cut != std::string::npos) break;
  }
  // The piece as a list of its own: "[" records "]".
  std::string_view body(text_.data(), ended_ ? text_.size() : comma);
  if (!started_) {
    std::size_t b = 0;
    while (b < body.size() && is_space(body[b])) ++b;
    if (b == body.size() || body[b] != '[') throw Error(path_.string() + ": not a list of detections");
    body.remove_prefix(b + 1);
    started_ = true;
  }
  if (ended_) {
    while (!body.empty() && is_space(body.back())) body.remove_suffix(1);
    if (body.empty() || body.back() != ']') throw Error(path_.string() + ": not a list of detections");
    body.remove_suffix(1);
  }
  simdjson::padded_string piece(body.size() + 2);
  piece.data()[0] = '[';
  std::memcpy(piece.data() + 1, body.data(), body.size());
  piece.data()[body.size() + 1] = ']';
  if (!ended_) text_.erase(0, cut);
  else text_.clear();
  JsonSource src(std::move(piece), path_.string());
  read_records(src, out);
  return !out.empty() || !ended_;
}

std::vector<Detection> read_keypoint_results(const std::filesystem::path& results) {
  JsonSource src(results);
  return keypoint_results(src, results.string());
}

std::vector<Detection> read_keypoint_results_text(std::string_view json, const std::string& label) {
  JsonSource src(json, label);
  return keypoint_results(src, label);
}

std::vector<Detection> read_mask_results(const std::filesystem::path& results) {
  JsonSource src(results);
  return mask_results(src, results.string());
}

std::vector<Detection> read_mask_results_text(std::string_view json, const std::string& label) {
  JsonSource src(json, label);
  return mask_results(src, label);
}

std::vector<Detection> read_full_results(const std::filesystem::path& results) {
  JsonSource src(results);
  return mask_results(src, results.string(), true);
}

std::vector<Detection> read_full_results_text(std::string_view json, const std::string& label) {
  JsonSource src(json, label);
  return mask_results(src, label, true);
}

}  // namespace ds::coco
