#pragma once
// A run config: what `evaluate`, `view` and `render` run.
//   dataset: {format: coco, annotations: ..., images: ...}   # or a path to a dataset.yaml
//   model: models/shapes-fcos.yaml                            # a model config
//   output: ../runs/demo                                      # relative to this file
//   metrics: [coco]                                           # optional
//   class_map: {model name: dataset name}                     # optional
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config_node.hpp"

namespace ds {

struct RunConfig {
  std::filesystem::path file;
  ConfigNode dataset;                       // the dataset spec
  std::optional<std::filesystem::path> model;
  std::filesystem::path output;
  std::vector<std::string> metrics;
  std::map<std::string, std::string> class_map;
};

RunConfig load_run_config(const std::filesystem::path& file);

// The dataset spec under `key` of `config`: an inline mapping, or a path to a dataset.yaml.
ConfigNode dataset_spec(const ConfigNode& config, std::string_view key = "dataset");

// The dataset spec a file gives: the file itself when it is a dataset.yaml (`format:` at the
// top), else its `dataset:` (a run config).
ConfigNode load_dataset_spec(const std::filesystem::path& file);

// Checks that `file` is a model config we can hand to Python: a YAML mapping with `module:`.
// Returns the module name.
std::string model_module(const std::filesystem::path& file);

}  // namespace ds
