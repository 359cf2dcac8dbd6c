#include "pipeline/models.hpp"

#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "host/python_runtime.hpp"

namespace fs = std::filesystem;

namespace ds::pipeline {

ModelHost::ModelHost(bool verbose) : verbose_(verbose) {}
// Detectors hold Python objects: callers drop them before the host (and so the interpreter).
ModelHost::~ModelHost() = default;

std::unique_ptr<Detector> ModelHost::load(const fs::path& model_config) {
  check_model_config(model_config);
  if (!python_) python_ = std::make_unique<host::PythonRuntime>(verbose_);
  return model_detector(host::load_inferencer(model_config, *python_));
}

Models ModelHost::lazy(const std::vector<fs::path>& model_configs) {
  std::vector<Models::Loader> loaders;
  for (const fs::path& m : model_configs) loaders.push_back([this, m] { return load(m); });
  return Models(std::move(loaders));
}

void check_model_config(const fs::path& model_config) {
  std::error_code ec;
  if (!fs::exists(model_config, ec)) throw Error(model_config.string() + ": model config not found (--model)");
  model_module(model_config);
}

}  // namespace ds::pipeline
