#pragma once
// Pieces every format reader and writer shares: skipping bad records under --skip-bad, class
// lists of formats that name classes rather than number them, numbers from text, image sizes,
// and the paths writers derive from image file names.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/config/config_node.hpp"
#include "core/dataset/dataset.hpp"
#include "core/util/image_header.hpp"
#include "formats/format.hpp"

namespace ds::formats {

// Bounds on sizes a file claims (a sequence's frame count, a frame's width and height): each
// frame becomes an image record, so a typo or a hostile 2^31 would take minutes and gigabytes
// before anything else is read. 2,000,000 frames is over 18 hours of 30 fps video.
inline constexpr std::int64_t kMaxFrames = 2'000'000;
inline constexpr std::int64_t kMaxSide = 1'000'000;  // pixels; also what an int holds comfortably
// The dataset YAML key that lets COCO file_names / Open Images ImageIDs leave the images folder
// (core/dataset/image_paths.hpp says why they may not by default).
inline constexpr const char* kAllowOutsideImages = "allow_outside_images";

// A bad record or file: under skip_bad it is noted in `out.skipped` and reading goes on;
// otherwise it is the error.
void skip_or_throw(const ReadOptions& options, Dataset& out, const std::string& message);

// Appends `image` and its annotations to `out`, numbering both 1, 2, ... in reading order (for
// formats that have no ids of their own).
void append_image(Dataset& out, Image image, std::vector<Annotation> annotations);

// Category ids for formats that store class names. With the spec's `classes:` (a list, ids
// 1..N in order, or a mapping id: name, which our writers emit to keep ids and classes without
// boxes) the list is fixed and an unknown name is an error; without it, classes are collected
// as they come and numbered 1..N in name order by finish().
class ClassNames {
 public:
  ClassNames() = default;
  static ClassNames from_spec(const ConfigNode& spec, std::string_view key = "classes");
  static ClassNames fixed_list(const std::vector<std::string>& names);  // ids 1..N
  bool fixed() const { return fixed_; }
  // nullopt: the list is fixed and does not hold `name`.
  std::optional<std::int64_t> id_of(std::string_view name);
  std::string known() const;  // "a, b, c" for messages
  // Sets out.categories (and renumbers annotations' categories when collected, not fixed).
  void finish(Dataset& out);

 private:
  bool fixed_ = false;
  std::vector<Category> categories_;
  std::unordered_map<std::string, std::int64_t> by_name_;
};

// `classes:` for a dataset.yaml: a mapping id: name, in id order.
std::string classes_yaml(const std::vector<Category>& categories);
// A YAML double-quoted scalar.
std::string yaml_quote(std::string_view s);

// An object outlined by polygons in pixels (x0, y0, x1, y1, ...), as LabelMe, CVAT and YOLO-seg
// store them. Sets its area to the rasterised mask's, as COCO's own annotations have it, and,
// with `keep_mask`, its segmentation; the box is the caller's. Throws ds::Error (no location:
// callers add it) for a part under 3 points.
void set_outline(Annotation& a, std::vector<std::vector<double>> polygons, const ImageSize& size, bool keep_mask);
// The points' bounds as a box.
Box polygon_bounds(const std::vector<std::vector<double>>& polygons);
// The polygons an annotation is written as: its segmentation's, when it is polygons (not RLE).
const std::vector<std::vector<double>>* outline_of(const Annotation& a);

// Numbers in text (XML, CSV, label files); nullopt when `s` is not exactly a number.
std::optional<double> parse_number(std::string_view s);
std::optional<std::int64_t> parse_integer(std::string_view s);
// 0/1, true/false, yes/no (any case); nullopt otherwise.
std::optional<bool> parse_flag(std::string_view s);

// The image's size as the dataset records it, else from its file header (throws ds::Error).
ImageSize image_size(const Dataset& dataset, const Image& image);

// Image::file_name as a relative path that stays inside the output folder (throws otherwise).
std::filesystem::path relative_image_path(const Image& image);

// The per-image file a writer derives (a.jpg -> a.xml), checked not to collide with another
// image's: "a.jpg" and "a.png" cannot both become "a.xml".
class DerivedNames {
 public:
  explicit DerivedNames(std::string extension) : extension_(std::move(extension)) {}
  std::filesystem::path operator()(const Image& image);

 private:
  std::string extension_;
  std::map<std::filesystem::path, std::string> used_;
};

// Files with an image extension under `dir` (recursive), relative to it, sorted.
std::vector<std::filesystem::path> list_images(const std::filesystem::path& dir);
// Files ending in `extension` under `dir` (recursive), relative to it, sorted.
std::vector<std::filesystem::path> list_files(const std::filesystem::path& dir, std::string_view extension);
bool has_image_extension(const std::filesystem::path& p);

// Image file names with '/' separators, as they go into annotation files.
std::string generic(const std::filesystem::path& p);

// Counts of annotations by flag, for what a format cannot keep.
struct FlagCounts {
  std::size_t crowd = 0, difficult = 0, truncated = 0;
};
FlagCounts count_flags(const Dataset& dataset);

}  // namespace ds::formats
