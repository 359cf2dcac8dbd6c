#include "formats/yolo/yolo_format.hpp"

#include <algorithm>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"
#include "formats/common.hpp"
#include "formats/yolo/yolo_labels.hpp"

namespace fs = std::filesystem;

namespace ds::yolo {
namespace {

// `names:` as a list or as a mapping index: name (indices 0..n-1, any order).
std::vector<std::string> names_of(const ConfigNode& data) {
  if (!data.has("names")) data.fail("names", "missing (the class names)");
  const YAML::Node node = data.node()["names"];
  std::vector<std::string> out;
  if (node.IsSequence()) return data.strings_or("names", {});
  if (!node.IsMap()) data.fail("names", "expected a list of class names or a mapping index: name");
  const ConfigNode map = data.child("names");
  for (const std::string& k : map.keys()) {
    const auto index = formats::parse_integer(k);
    if (!index || *index < 0 || *index > 100000) map.fail(k, "expected a class index (0, 1, ...)");
    if (static_cast<std::size_t>(*index) >= out.size()) out.resize(static_cast<std::size_t>(*index) + 1);
    out[static_cast<std::size_t>(*index)] = map.string(k);
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i].empty()) data.fail("names", "no name for class " + std::to_string(i));
  return out;
}

// Image paths from a list file: one per line, relative to the list file's folder.
std::vector<fs::path> read_list(const fs::path& list) {
  std::vector<fs::path> out;
  const std::string text = read_text_file(list);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line = trim(std::string_view(text).substr(start, end - start));
    if (!line.empty()) out.push_back(resolve_relative_to(list, std::string(line)).lexically_normal());
    start = end + 1;
  }
  return out;
}

// The deepest folder holding every path: list files name images by paths, and file names
// relative to that folder come out as the images were named before they were listed.
fs::path common_folder(const std::vector<fs::path>& paths, const fs::path& fallback) {
  if (paths.empty()) return fallback;
  fs::path common = paths.front().parent_path();
  for (const fs::path& p : paths) {
    const fs::path dir = p.parent_path();
    fs::path shared;
    for (auto a = common.begin(), b = dir.begin(); a != common.end() && b != dir.end() && *a == *b; ++a, ++b) shared /= *a;
    common = shared;
  }
  return common.empty() ? fallback : common;
}

// data.yaml's `kpt_shape: [K, 2 or 3]` (none: not a pose dataset).
PoseShape pose_shape(const ConfigNode& data) {
  if (!data.has("kpt_shape")) return {};
  const YAML::Node node = data.node()["kpt_shape"];
  const auto bad = [&] {
    data.fail("kpt_shape", "expected [number of keypoints, 2 or 3] (x y, or x y visibility), as kpt_shape: [17, 3]");
  };
  if (!node.IsSequence() || node.size() != 2 || !node[0].IsScalar() || !node[1].IsScalar()) bad();
  const auto k = formats::parse_integer(node[0].Scalar()), dims = formats::parse_integer(node[1].Scalar());
  if (!k || !dims || *k < 1 || *k > 10000 || (*dims != 2 && *dims != 3)) bad();
  return {static_cast<std::size_t>(*k), static_cast<std::size_t>(*dims)};
}

// data.yaml's `flip_idx` (K keypoint indices) or empty.
std::vector<std::int64_t> flip_index(const ConfigNode& data, std::size_t k) {
  if (!data.has("flip_idx")) return {};
  const YAML::Node node = data.node()["flip_idx"];
  std::vector<std::int64_t> out;
  if (node.IsSequence())
    for (const YAML::Node& item : node) {
      const auto i = item.IsScalar() ? formats::parse_integer(item.Scalar()) : std::nullopt;
      if (!i || *i < 0 || static_cast<std::size_t>(*i) >= k)
        data.fail("flip_idx", "expected keypoint indices from 0 to " + std::to_string(k - 1) + " (kpt_shape's " +
                                  std::to_string(k) + " keypoints)");
      out.push_back(*i);
    }
  if (out.size() != k)
    data.fail("flip_idx", "expected a list of " + std::to_string(k) + " keypoint indices (one per keypoint of kpt_shape)");
  return out;
}

// Ultralytics' `kpt_names: {class index: [K names]}`; classes it does not name get kp0..kpK-1.
std::vector<std::vector<std::string>> keypoint_names(const ConfigNode& data, std::size_t k, std::size_t classes) {
  std::vector<std::string> fallback;
  for (std::size_t i = 0; i < k; ++i) fallback.push_back("kp" + std::to_string(i));
  std::vector<std::vector<std::string>> out(classes, fallback);
  if (!data.has("kpt_names")) return out;
  if (!data.node()["kpt_names"].IsMap())
    data.fail("kpt_names", "expected a mapping class index: list of keypoint names, as Ultralytics writes it");
  const ConfigNode map = data.child("kpt_names");
  for (const std::string& key : map.keys()) {
    const auto index = formats::parse_integer(key);
    if (!index || *index < 0 || static_cast<std::size_t>(*index) >= classes)
      map.fail(key, "expected a class index (0 to " + std::to_string(classes - 1) + ")");
    const std::vector<std::string> names = map.strings_or(key, {});
    if (names.size() != k)
      map.fail(key, std::to_string(names.size()) + " keypoint names, where kpt_shape has " + std::to_string(k));
    out[static_cast<std::size_t>(*index)] = names;
  }
  return out;
}

// flip_idx from the keypoint names where they say left and right: each keypoint maps to the one
// named with left and right swapped, or to itself; empty when no name pairs up.
std::vector<std::int64_t> flip_from_names(const std::vector<std::string>& names) {
  std::vector<std::int64_t> out(names.size());
  bool paired = false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out[i] = static_cast<std::int64_t>(i);
    std::string mirrored = names[i];
    for (const auto& [from, to] : {std::pair{"left", "right"}, std::pair{"right", "left"}})
      if (const auto at = names[i].find(from); at != std::string::npos) {
        mirrored = names[i].substr(0, at) + to + names[i].substr(at + std::string_view(from).size());
        break;
      }
    if (mirrored == names[i]) continue;
    for (std::size_t j = 0; j < names.size(); ++j)
      if (names[j] == mirrored) {
        out[i] = static_cast<std::int64_t>(j);
        paired = true;
      }
  }
  return paired ? out : std::vector<std::int64_t>{};
}

// data.yaml's pose keys for a dataset written with `pose`: kpt_shape, flip_idx when known (read
// from a YOLO dataset, or from left/right keypoint names), kpt_names unless all are kp0...
std::string pose_yaml(const PoseShape& pose, const std::vector<Category>& by_index) {
  std::string yaml = "kpt_shape: [" + std::to_string(pose.keypoints) + ", 3]\n";
  const Category* first = nullptr;
  for (const Category& c : by_index)
    if (!c.keypoint_names.empty() && !first) first = &c;
  std::vector<std::int64_t> flip = first->keypoint_flip;
  if (flip.size() != pose.keypoints) flip = flip_from_names(first->keypoint_names);
  if (!flip.empty()) {
    yaml += "flip_idx: [";
    for (std::size_t i = 0; i < flip.size(); ++i) yaml += (i ? ", " : "") + std::to_string(flip[i]);
    yaml += "]\n";
  }
  std::string names;
  for (std::size_t i = 0; i < by_index.size(); ++i) {
    const std::vector<std::string>& kn = by_index[i].keypoint_names;
    bool plain = true;
    for (std::size_t n = 0; n < kn.size(); ++n) plain = plain && kn[n] == "kp" + std::to_string(n);
    if (kn.empty() || plain) continue;
    names += "  " + std::to_string(i) + ":\n";
    for (const std::string& n : kn) names += "    - " + formats::yaml_quote(n) + "\n";
  }
  if (!names.empty()) yaml += "kpt_names:\n" + names;
  return yaml;
}

std::vector<fs::path> relative_to(const std::vector<fs::path>& paths, const fs::path& base) {
  std::vector<fs::path> out;
  for (const fs::path& p : paths) out.push_back(p.lexically_relative(base));
  return out;
}

}  // namespace

Dataset UltralyticsFormat::read(const ConfigNode& spec, const ReadOptions& options) const {
  const ConfigNode data = ConfigNode::load(spec.existing_file("data"));
  const std::string split = spec.string_or("split", "val");
  const fs::path root = data.has("path") ? data.path("path") : data.file().parent_path();
  if (!data.has(split)) {
    std::string present;
    for (const char* s : {"train", "val", "test"})
      if (data.has(s)) present += std::string(present.empty() ? "" : ", ") + s;
    spec.fail("split", "'" + split + "' is not in " + data.file().string() + " (it has: " + present + ")");
  }
  // A split is a folder of images, a list file of image paths, or a list of either.
  std::vector<fs::path> images;
  fs::path image_dir = root;
  const std::vector<std::string> entries = data.strings_or(split, {});
  for (const std::string& entry : entries) {
    const fs::path p = entry.empty() || fs::path(entry).is_absolute() ? fs::path(entry) : (root / entry).lexically_normal();
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const fs::path& rel : formats::list_images(p)) images.push_back(p / rel);
      if (entries.size() == 1) image_dir = p;
    } else if (fs::is_regular_file(p, ec)) {
      const auto listed = read_list(p);
      images.insert(images.end(), listed.begin(), listed.end());
      if (entries.size() == 1) image_dir = common_folder(listed, root);
    } else {
      data.fail(split, "no such folder or list file: " + p.string());
    }
  }
  const std::vector<std::string> names = names_of(data);
  const PoseShape pose = pose_shape(data);
  Dataset out = read_images_and_labels(image_dir, relative_to(images, image_dir), names, options, pose);
  if (pose.keypoints > 0) {
    const std::vector<std::int64_t> flip = flip_index(data, pose.keypoints);
    const std::vector<std::vector<std::string>> kpt_names = keypoint_names(data, pose.keypoints, names.size());
    for (std::size_t i = 0; i < out.categories.size(); ++i) {
      out.categories[i].keypoint_names = kpt_names[i];
      out.categories[i].keypoint_flip = flip;
    }
  }
  out.source = data.file().string() + " (" + split + ")";
  return out;
}

void UltralyticsFormat::write(const Dataset& dataset, const fs::path& dir, const WriteOptions& options) const {
  const PoseShape pose = pose_shape_of(dataset);
  write_images_and_labels(dataset, dir, options, pose);
  std::string yaml =
      "# Written by detection-studio convert. train and val name the same images: point them\n"
      "# at your own splits before training.\n"
      "train: images\nval: images\nnames:\n";
  const std::vector<std::string> names = class_names(dataset);
  for (std::size_t i = 0; i < names.size(); ++i) yaml += "  " + std::to_string(i) + ": " + formats::yaml_quote(names[i]) + "\n";
  if (pose.keypoints > 0) {
    std::vector<Category> by_index = dataset.categories;
    std::sort(by_index.begin(), by_index.end(), [](const Category& a, const Category& b) { return a.id < b.id; });
    yaml += pose_yaml(pose, by_index);
  }
  write_file_atomic(dir / "data.yaml", yaml);
  write_file_atomic(dir / "dataset.yaml", "format: yolo\ndata: data.yaml\nsplit: val\n");
}

Dataset DarknetFormat::read(const ConfigNode& spec, const ReadOptions& options) const {
  const fs::path list = spec.existing_file("list");
  const fs::path names_file = spec.existing_file("names");
  std::vector<std::string> names;
  {
    const std::string text = read_text_file(names_file);
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const std::string_view line = trim(std::string_view(text).substr(start, end - start));
      if (!line.empty()) names.emplace_back(line);
      start = end + 1;
    }
  }
  if (names.empty()) spec.fail("names", names_file.string() + " holds no class names");
  const std::vector<fs::path> listed = read_list(list);
  const fs::path image_dir = common_folder(listed, list.parent_path());
  Dataset out = read_images_and_labels(image_dir, relative_to(listed, image_dir), names, options);
  out.source = list.string();
  return out;
}

void DarknetFormat::write(const Dataset& dataset, const fs::path& dir, const WriteOptions& options) const {
  std::string list;
  for (const std::string& p : write_images_and_labels(dataset, dir, options)) list += p + "\n";
  std::string names;
  for (const std::string& n : class_names(dataset)) {
    if (n.find('\n') != std::string::npos) throw Error("class name '" + n + "' holds a line break; a .names file cannot");
    names += n + "\n";
  }
  write_file_atomic(dir / "images.txt", list);
  write_file_atomic(dir / "obj.names", names);
  write_file_atomic(dir / "dataset.yaml", "format: darknet\nlist: images.txt\nnames: obj.names\n");
}

}  // namespace ds::yolo
