#include "core/config/config_node.hpp"

#include <algorithm>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"

namespace fs = std::filesystem;

namespace ds {

ConfigNode ConfigNode::load(const fs::path& file) {
  std::string text = RegularFile(file, "a YAML file").read_all();
  if (std::string problem = utf8_problem(text, file.string()); !problem.empty()) throw Error(problem);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(file.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  if (!root.IsMap())
    throw Error(file.string() + ": expected a YAML mapping of keys to values" +
                (root.IsNull() ? " (the file is empty)" : ""));
  return ConfigNode(file, root, "");
}

ConfigNode::ConfigNode(fs::path file, YAML::Node node, std::string key_path)
    : file_(std::move(file)), node_(std::move(node)), key_path_(std::move(key_path)) {}

std::string ConfigNode::full_key(std::string_view key) const {
  if (key_path_.empty()) return std::string(key);
  if (key.empty()) return key_path_;
  return key_path_ + "." + std::string(key);
}

std::string ConfigNode::where(std::string_view key) const {
  YAML::Mark mark = node_.Mark();
  if (!key.empty() && node_.IsMap() && node_[std::string(key)]) mark = node_[std::string(key)].Mark();
  std::string out = file_.string();
  if (!mark.is_null()) out += ":" + std::to_string(mark.line + 1);
  return out + ": " + full_key(key);
}

void ConfigNode::fail(std::string_view key, std::string_view problem) const {
  throw Error(where(key) + ": " + std::string(problem));
}

bool ConfigNode::has(std::string_view key) const {
  const YAML::Node v = node_[std::string(key)];
  return v.IsDefined() && !v.IsNull();
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  for (const auto& kv : node_) {
    // YAML allows a list or a map as a key ("? [a, b]: x"); no config key is one.
    if (!kv.first.IsScalar()) {
      const YAML::Mark mark = kv.first.Mark();
      throw Error(file_.string() + (mark.is_null() ? "" : ":" + std::to_string(mark.line + 1)) + ": " +
                  (key_path_.empty() ? std::string("top level") : key_path_) +
                  ": a key that is a list or a map (keys must be plain names)");
    }
    out.push_back(kv.first.Scalar());
  }
  return out;
}

ConfigNode ConfigNode::child(std::string_view key) const {
  if (!has(key)) fail(key, "missing");
  return ConfigNode(file_, node_[std::string(key)], full_key(key));
}

std::optional<ConfigNode> ConfigNode::optional_child(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return child(key);
}

YAML::Node ConfigNode::scalar(std::string_view key) const {
  const YAML::Node v = node_[std::string(key)];
  if (!v.IsScalar()) fail(key, "expected a single value");
  return v;
}

std::string ConfigNode::string(std::string_view key) const {
  if (!has(key)) fail(key, "missing");
  return scalar(key).as<std::string>();
}

std::optional<std::string> ConfigNode::optional_string(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return string(key);
}

std::string ConfigNode::string_or(std::string_view key, std::string fallback) const {
  return has(key) ? string(key) : std::move(fallback);
}

std::int64_t ConfigNode::integer_or(std::string_view key, std::int64_t fallback) const {
  if (!has(key)) return fallback;
  try {
    return scalar(key).as<std::int64_t>();
  } catch (const YAML::Exception&) {
    fail(key, "expected an integer, got '" + printable(scalar(key).as<std::string>()) + "'");
  }
}

double ConfigNode::number_or(std::string_view key, double fallback) const {
  if (!has(key)) return fallback;
  try {
    return scalar(key).as<double>();
  } catch (const YAML::Exception&) {
    fail(key, "expected a number, got '" + printable(scalar(key).as<std::string>()) + "'");
  }
}

bool ConfigNode::flag_or(std::string_view key, bool fallback) const {
  if (!has(key)) return fallback;
  try {
    return scalar(key).as<bool>();
  } catch (const YAML::Exception&) {
    fail(key, "expected true or false, got '" + printable(scalar(key).as<std::string>()) + "'");
  }
}

std::vector<std::string> ConfigNode::strings_or(std::string_view key,
                                                std::vector<std::string> fallback) const {
  if (!has(key)) return fallback;
  const YAML::Node v = node_[std::string(key)];
  if (v.IsScalar()) return {v.as<std::string>()};
  if (!v.IsSequence()) fail(key, "expected a value or a list of values");
  std::vector<std::string> out;
  for (const auto& item : v) {
    if (!item.IsScalar()) fail(key, "expected a list of plain values");
    out.push_back(item.as<std::string>());
  }
  return out;
}

fs::path ConfigNode::path(std::string_view key) const {
  return resolve_relative_to(file_, string(key));
}

fs::path ConfigNode::existing_file(std::string_view key) const {
  const fs::path p = path(key);
  std::error_code ec;
  if (!fs::exists(p, ec)) fail(key, "file not found: " + p.string());
  if (fs::is_directory(p, ec)) fail(key, "is a directory, expected a file: " + p.string());
  if (const std::string why = not_regular_file_reason(p); !why.empty()) fail(key, p.string() + ": " + why);
  return p;
}

fs::path ConfigNode::existing_dir(std::string_view key) const {
  const fs::path p = path(key);
  std::error_code ec;
  if (!fs::exists(p, ec)) fail(key, "folder not found: " + p.string());
  if (!fs::is_directory(p, ec)) fail(key, "not a folder: " + p.string());
  return p;
}

void ConfigNode::only_keys(std::span<const std::string> known) const {
  for (const std::string& k : keys())
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      std::string list;
      for (const std::string& n : known) list += (list.empty() ? "" : ", ") + n;
      fail(k, "unknown key" + did_you_mean(k, known) + " (known: " + list + ")");
    }
}

}  // namespace ds
