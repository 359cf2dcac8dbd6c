#include "formats/openimages/challenge_detections.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/dataset/open_images.hpp"
#include "core/util/csv.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"
#include "formats/common.hpp"

namespace fs = std::filesystem;

namespace ds::openimages {
namespace {

constexpr const char* kNeeded[7] = {"ImageID", "LabelName", "Score", "XMin", "XMax", "YMin", "YMax"};

class Rows {
 public:
  Rows(std::string name, const Dataset& gt) : name_(std::move(name)) {
    const OpenImagesInfo* info = gt.open_images.get();
    for (const Image& im : gt.images) {
      std::string key = fs::path(im.file_name).replace_extension().string();
      if (info)
        if (const auto it = info->image_key.find(im.id); it != info->image_key.end()) key = it->second;
      image_of_.emplace(std::move(key), &im);
    }
    for (const Category& cat : gt.categories) {
      std::string key = cat.name;
      if (info)
        if (const auto it = info->label_name.find(cat.id); it != info->label_name.end()) key = it->second;
      category_of_.emplace(std::move(key), cat.id);
    }
  }

  // Whole lines, each ending in '\n' (the caller's blocks end at one).
  void feed(std::string_view block) {
    if (const std::size_t bad = find_invalid_utf8(block); bad != std::string_view::npos)
      throw Error(name_ + ":" + std::to_string(line_ + 1 + std::count(block.begin(), block.begin() + static_cast<std::ptrdiff_t>(bad), '\n')) +
                  ": not UTF-8 text");
    while (!block.empty()) {
      const std::size_t nl = block.find('\n');
      std::string_view line = block.substr(0, nl);
      block.remove_prefix(nl == std::string_view::npos ? block.size() : nl + 1);
      ++line_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
      if (line.empty()) continue;
      row(line);
    }
  }

  std::vector<Detection> finish() {
    if (!header_done_) throw Error(name_ + ": empty file (expected a header row)");
    return std::move(out_);
  }

  void reserve(std::size_t n) { out_.reserve(n); }

 private:
  std::string where() const { return name_ + ":" + std::to_string(line_); }

  // The line's fields as views: split in place, or through the CSV reader when it has quotes.
  void split(std::string_view line) {
    fields_.clear();
    if (line.find('"') == std::string_view::npos) {
      while (true) {
        const std::size_t comma = line.find(',');
        fields_.push_back(line.substr(0, comma));
        if (comma == std::string_view::npos) break;
        line.remove_prefix(comma + 1);
      }
      return;
    }
    CsvReader csv(name_, std::string(line));
    quoted_.clear();
    try {
      csv.next(quoted_);
    } catch (const Error&) {
      throw Error(where() + ": a quoted field is not closed on its line");
    }
    for (const std::string& f : quoted_) fields_.push_back(f);
  }

  void row(std::string_view line) {
    split(line);
    if (!header_done_) {
      for (int k = 0; k < 7; ++k) {
        const auto it = std::find_if(fields_.begin(), fields_.end(), [&](std::string_view f) { return trim(f) == kNeeded[k]; });
        if (it == fields_.end()) throw Error(where() + ": no '" + kNeeded[k] + "' column in the header");
        col_[k] = static_cast<std::size_t>(it - fields_.begin());
      }
      header_fields_ = fields_.size();
      needed_ = *std::max_element(col_, col_ + 7);
      header_done_ = true;
      return;
    }
    if (fields_.size() <= needed_)
      throw Error(where() + ": " + std::to_string(fields_.size()) + " fields, the header has " + std::to_string(header_fields_));
    const auto number = [&](int k) {
      const auto n = formats::parse_number(fields_[col_[k]]);
      if (!n) throw Error(where() + ": " + kNeeded[k] + ": '" + printable(fields_[col_[k]]) + "' is not a number");
      return *n;
    };
    const double score = number(2), x0 = number(3), x1 = number(4), y0 = number(5), y1 = number(6);
    key_.assign(fields_[col_[0]]);
    const auto im = image_of_.find(key_);
    if (im == image_of_.end()) throw Error(where() + ": ImageID '" + printable(key_) + "' is not an image of the ground truth");
    key_.assign(fields_[col_[1]]);
    const auto cat = category_of_.find(key_);
    if (cat == category_of_.end()) throw Error(where() + ": LabelName '" + printable(key_) + "' is not a class of the ground truth");
    if (x1 < x0 || y1 < y0) return;
    const Image& image = *im->second;
    Detection& d = out_.emplace_back();
    d.image_id = image.id;
    d.category_id = cat->second;
    d.score = score;
    if (image.width > 0 && image.height > 0) {
      const double W = image.width, H = image.height;
      d.bbox = {x0 * W, y0 * H, (x1 - x0) * W, (y1 - y0) * H};
    } else {
      d.bbox = {x0, y0, x1 - x0, y1 - y0};  // the ground truth is normalised too
    }
  }

  std::string name_;
  std::unordered_map<std::string, const Image*> image_of_;
  std::unordered_map<std::string, std::int64_t> category_of_;
  std::vector<std::string_view> fields_;
  std::vector<std::string> quoted_;
  std::string key_;
  std::size_t col_[7] = {};
  std::size_t needed_ = 0, header_fields_ = 0, line_ = 0;
  bool header_done_ = false;
  std::vector<Detection> out_;
};

}  // namespace

std::vector<Detection> read_challenge_detections_text(std::string_view text, const std::string& name, const Dataset& gt) {
  Rows rows(name, gt);
  rows.feed(text);
  return rows.finish();
}

std::vector<Detection> read_challenge_detections(const fs::path& path, const Dataset& gt) {
  const RegularFile file(path, "a detections CSV");
  Rows rows(path.string(), gt);
  // Blocks of whole lines: memory stays at one block, not the file (submissions run to GBs).
  constexpr std::size_t kBlock = 8u << 20;
  std::string buffer;
  std::uint64_t offset = 0;
  bool reserved = false;
  while (true) {
    const std::size_t kept = buffer.size();
    buffer.resize(kept + kBlock);
    const std::size_t got = file.read_at(offset, buffer.data() + kept, kBlock);
    offset += got;
    buffer.resize(kept + got);
    if (!reserved && file.size() > 0 && got > 0) {
      // One detection per line: the first block's lines per byte, for the whole file.
      const auto lines = static_cast<std::size_t>(std::count(buffer.begin(), buffer.end(), '\n'));
      rows.reserve(static_cast<std::size_t>(static_cast<double>(lines) / static_cast<double>(buffer.size()) *
                                            static_cast<double>(file.size()) * 1.02) + 16);
      reserved = true;
    }
    if (got == 0) {
      rows.feed(buffer);  // the last line, without its '\n'
      break;
    }
    const std::size_t last = buffer.rfind('\n');
    if (last == std::string::npos) continue;  // a line longer than a block: read on
    rows.feed(std::string_view(buffer).substr(0, last + 1));
    buffer.erase(0, last + 1);
  }
  return rows.finish();
}

}  // namespace ds::openimages
