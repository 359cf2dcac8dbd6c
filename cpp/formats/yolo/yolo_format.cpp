#include "formats/yolo/yolo_format.hpp"

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
  Dataset out = read_images_and_labels(image_dir, relative_to(images, image_dir), names_of(data), options);
  out.source = data.file().string() + " (" + split + ")";
  return out;
}

void UltralyticsFormat::write(const Dataset& dataset, const fs::path& dir, const WriteOptions& options) const {
  write_images_and_labels(dataset, dir, options);
  std::string yaml =
      "# Written by detection-studio convert. train and val name the same images: point them\n"
      "# at your own splits before training.\n"
      "train: images\nval: images\nnames:\n";
  const std::vector<std::string> names = class_names(dataset);
  for (std::size_t i = 0; i < names.size(); ++i) yaml += "  " + std::to_string(i) + ": " + formats::yaml_quote(names[i]) + "\n";
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
