#pragma once
// Typed, checked access to a YAML config. Every error names the file, the line and the key:
// "configs/demo.yaml:4: dataset.annotations: file not found: ../x.json".
// Relative paths in a config are relative to the config file, never to the working directory.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ds {

class ConfigNode {
 public:
  // Loads `file`, which must hold a YAML mapping.
  static ConfigNode load(const std::filesystem::path& file);
  ConfigNode(std::filesystem::path file, YAML::Node node, std::string key_path);

  const std::filesystem::path& file() const { return file_; }
  const std::string& key_path() const { return key_path_; }
  const YAML::Node& node() const { return node_; }

  bool has(std::string_view key) const;
  std::vector<std::string> keys() const;
  ConfigNode child(std::string_view key) const;  // required
  std::optional<ConfigNode> optional_child(std::string_view key) const;

  std::string string(std::string_view key) const;  // required
  std::optional<std::string> optional_string(std::string_view key) const;
  std::string string_or(std::string_view key, std::string fallback) const;
  std::int64_t integer_or(std::string_view key, std::int64_t fallback) const;
  double number_or(std::string_view key, double fallback) const;
  bool flag_or(std::string_view key, bool fallback) const;
  std::vector<std::string> strings_or(std::string_view key, std::vector<std::string> fallback) const;

  // A path value resolved against the config file's folder.
  std::filesystem::path path(std::string_view key) const;
  std::filesystem::path existing_file(std::string_view key) const;
  std::filesystem::path existing_dir(std::string_view key) const;

  // Fails on the first key of this mapping that is not in `known`, naming it with the closest
  // known key: a typo in a config must never be ignored.
  void only_keys(std::span<const std::string> known) const;

  // "file:line: key.path: problem"
  [[noreturn]] void fail(std::string_view key, std::string_view problem) const;
  std::string where(std::string_view key) const;

 private:
  std::string full_key(std::string_view key) const;
  YAML::Node scalar(std::string_view key) const;

  std::filesystem::path file_;
  YAML::Node node_;
  std::string key_path_;
};

}  // namespace ds
