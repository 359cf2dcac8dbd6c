#include "core/config/run_config.hpp"

#include "core/eval/evaluator.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"

namespace ds {

ConfigNode dataset_spec(const ConfigNode& config, std::string_view key) {
  const ConfigNode spec = config.child(key);
  if (spec.node().IsScalar()) {
    const auto file = resolve_relative_to(config.file(), spec.node().as<std::string>());
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) config.fail(key, "file not found: " + file.string());
    return ConfigNode::load(file);
  }
  if (!spec.node().IsMap()) config.fail(key, "expected a mapping (format: ...) or a path to a dataset.yaml");
  return spec;
}

ConfigNode load_dataset_spec(const std::filesystem::path& file) {
  const ConfigNode root = ConfigNode::load(file);
  if (root.has("format")) return root;
  if (root.has("dataset")) return dataset_spec(root);
  root.fail("", "expected a dataset spec ('format:' and its paths) or a run config with 'dataset:'");
}

RunConfig load_run_config(const std::filesystem::path& file) {
  const ConfigNode root = ConfigNode::load(file);
  RunConfig cfg{file, dataset_spec(root), std::nullopt, {}, {}, {}};
  if (root.has("model")) cfg.model = root.existing_file("model");
  cfg.output = root.has("output") ? root.path("output") : file.parent_path() / "runs" / file.stem();
  cfg.metrics = root.strings_or("metrics", {"coco"});
  const auto known = evaluator_names();
  for (const std::string& m : cfg.metrics)
    if (std::find(known.begin(), known.end(), m) == known.end())
      root.fail("metrics", "unknown metric '" + m + "'");
  if (const auto map = root.optional_child("class_map")) {
    if (!map->node().IsMap()) root.fail("class_map", "expected a mapping of model class -> dataset class");
    for (const std::string& k : map->keys()) cfg.class_map[k] = map->string(k);
  }
  return cfg;
}

std::string model_module(const std::filesystem::path& file) {
  const ConfigNode model = ConfigNode::load(file);
  return model.string("module");
}

}  // namespace ds
