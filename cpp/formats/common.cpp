#include "formats/common.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "core/mask/rle.hpp"
#include "core/mask/segmentation.hpp"
#include "core/util/error.hpp"
#include "core/util/text.hpp"

namespace fs = std::filesystem;

namespace ds::formats {

void skip_or_throw(const ReadOptions& options, Dataset& out, const std::string& message) {
  if (!options.skip_bad) throw Error(message);
  out.skipped.push_back(message);
}

void append_image(Dataset& out, Image image, std::vector<Annotation> annotations) {
  image.id = static_cast<std::int64_t>(out.images.size()) + 1;
  for (Annotation& a : annotations) {
    a.id = static_cast<std::int64_t>(out.annotations.size()) + 1;
    a.image_id = image.id;
    out.annotations.push_back(a);
  }
  out.images.push_back(std::move(image));
}

ClassNames ClassNames::from_spec(const ConfigNode& spec, std::string_view key) {
  ClassNames out;
  if (!spec.has(key)) return out;
  const YAML::Node node = spec.node()[std::string(key)];
  out.fixed_ = true;
  if (node.IsSequence()) {
    return fixed_list(spec.strings_or(key, {}));
  } else if (node.IsMap()) {
    const ConfigNode map = spec.child(key);
    for (const std::string& k : map.keys()) {
      const auto id = parse_integer(k);
      if (!id) map.fail(k, "expected an integer class id");
      out.categories_.push_back({*id, map.string(k), ""});
    }
  } else {
    spec.fail(key, "expected a list of class names or a mapping id: name");
  }
  for (const Category& c : out.categories_) {
    if (!out.by_name_.emplace(c.name, c.id).second) spec.fail(key, "class '" + c.name + "' is listed twice");
  }
  return out;
}

ClassNames ClassNames::fixed_list(const std::vector<std::string>& names) {
  ClassNames out;
  out.fixed_ = true;
  for (const std::string& n : names) {
    const auto id = static_cast<std::int64_t>(out.categories_.size()) + 1;
    out.categories_.push_back({id, n, ""});
    out.by_name_.emplace(n, id);
  }
  return out;
}

std::optional<std::int64_t> ClassNames::id_of(std::string_view name) {
  const std::string key(name);
  if (const auto it = by_name_.find(key); it != by_name_.end()) return it->second;
  if (fixed_) return std::nullopt;
  const auto id = static_cast<std::int64_t>(categories_.size()) + 1;
  categories_.push_back({id, key, ""});
  by_name_.emplace(key, id);
  return id;
}

std::string ClassNames::known() const {
  std::string out;
  for (std::size_t i = 0; i < categories_.size() && i < 30; ++i)
    out += (i ? ", " : "") + categories_[i].name;
  if (categories_.size() > 30) out += ", ... (" + std::to_string(categories_.size()) + " in all)";
  return out;
}

void ClassNames::finish(Dataset& out) {
  if (fixed_) {
    out.categories = categories_;
    return;
  }
  // Collected in file order: renumber in name order so ids do not depend on which file came first.
  std::vector<Category> sorted = categories_;
  std::sort(sorted.begin(), sorted.end(), [](const Category& a, const Category& b) { return a.name < b.name; });
  std::vector<std::int64_t> new_id(categories_.size() + 1);
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    new_id[static_cast<std::size_t>(sorted[i].id)] = static_cast<std::int64_t>(i) + 1;
    sorted[i].id = static_cast<std::int64_t>(i) + 1;
  }
  for (Annotation& a : out.annotations) a.category_id = new_id[static_cast<std::size_t>(a.category_id)];
  out.categories = std::move(sorted);
}

std::string yaml_quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string classes_yaml(const std::vector<Category>& categories) {
  if (categories.empty()) return "classes: {}\n";
  std::string out = "classes:\n";
  for (const Category& c : categories) out += "  " + std::to_string(c.id) + ": " + yaml_quote(c.name) + "\n";
  return out;
}

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_integer(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<bool> parse_flag(std::string_view s) {
  const std::string v = to_lower(trim(s));
  if (v == "1" || v == "true" || v == "yes") return true;
  if (v == "0" || v == "false" || v == "no" || v == "-1" || v.empty()) return false;
  return std::nullopt;
}

void set_outline(Annotation& a, std::vector<std::vector<double>> polygons, const ImageSize& size, bool keep_mask) {
  for (const auto& part : polygons)
    if (part.size() < 6) throw Error("a polygon needs at least 3 points, got " + std::to_string(part.size() / 2));
  auto s = std::make_shared<mask::Segmentation>();
  s->polygons = std::move(polygons);
  a.area = mask::area(mask::to_rle(*s, static_cast<std::uint32_t>(size.height), static_cast<std::uint32_t>(size.width)));
  if (keep_mask) a.segmentation = std::move(s);
}

Box polygon_bounds(const std::vector<std::vector<double>>& polygons) {
  double x1 = HUGE_VAL, y1 = HUGE_VAL, x2 = -HUGE_VAL, y2 = -HUGE_VAL;
  for (const auto& part : polygons)
    for (std::size_t k = 0; k + 1 < part.size(); k += 2) {
      x1 = std::min(x1, part[k]), x2 = std::max(x2, part[k]);
      y1 = std::min(y1, part[k + 1]), y2 = std::max(y2, part[k + 1]);
    }
  if (x1 > x2) return {};
  return {x1, y1, x2 - x1, y2 - y1};
}

const std::vector<std::vector<double>>* outline_of(const Annotation& a) {
  if (!a.segmentation || a.segmentation->rle || a.segmentation->polygons.empty()) return nullptr;
  return &a.segmentation->polygons;
}

ImageSize image_size(const Dataset& dataset, const Image& image) {
  if (image.width > 0 && image.height > 0) return {image.width, image.height};
  return read_image_size(dataset.image_dir / image.file_name);
}

fs::path relative_image_path(const Image& image) {
  const fs::path p = fs::path(image.file_name).lexically_normal();
  if (p.empty() || p.is_absolute() || *p.begin() == "..")
    throw Error("image " + std::to_string(image.id) + ": file name '" + image.file_name +
                "' is not a path inside the images folder; cannot place it in the output");
  return p;
}

fs::path DerivedNames::operator()(const Image& image) {
  fs::path p = relative_image_path(image);
  p.replace_extension(extension_);
  const auto [it, added] = used_.emplace(p, image.file_name);
  if (!added)
    throw Error("images '" + it->second + "' and '" + image.file_name + "' would both be written as '" +
                p.string() + "'; rename one of them");
  return p;
}

bool has_image_extension(const fs::path& p) {
  static const std::set<std::string> kExtensions = {".jpg", ".jpeg", ".png", ".bmp", ".gif",
                                                    ".webp", ".tif", ".tiff", ".jpe", ".dib"};
  return kExtensions.contains(to_lower(p.extension().string()));
}

namespace {

template <class Keep>
std::vector<fs::path> list_matching(const fs::path& dir, Keep keep) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir.string() + ": folder not found");
  std::vector<fs::path> out;
  fs::path current;  // the entry last listed: a folder the next step fails to enter is it
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    current = it->path();
    std::error_code type_ec;  // an entry that cannot be stat'ed is not a file to list
    if (it->is_regular_file(type_ec) && keep(it->path())) out.push_back(it->path().lexically_relative(dir));
  }
  if (ec) {
    // Name the unreadable subfolder, not the folder the listing started from.
    std::error_code dir_ec;
    const fs::path& where = !current.empty() && fs::is_directory(current, dir_ec) ? current : dir;
    throw Error(where.string() + ": cannot list folder: " + ec.message());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<fs::path> list_images(const fs::path& dir) {
  return list_matching(dir, [](const fs::path& p) { return has_image_extension(p); });
}

std::vector<fs::path> list_files(const fs::path& dir, std::string_view extension) {
  return list_matching(dir, [&](const fs::path& p) { return to_lower(p.extension().string()) == extension; });
}

std::string generic(const fs::path& p) { return p.generic_string(); }

FlagCounts count_flags(const Dataset& dataset) {
  FlagCounts c;
  for (const Annotation& a : dataset.annotations) {
    c.crowd += a.iscrowd;
    c.difficult += a.difficult;
    c.truncated += a.truncated;
  }
  return c;
}

}  // namespace ds::formats
