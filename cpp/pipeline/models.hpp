#pragma once
// The detectors a command runs: its --model configs (loaded through the embedded Python, or
// natively), or a saved results file. One place decides, for every command.
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "pipeline/detector.hpp"

namespace ds::host {
class PythonRuntime;
}

namespace ds::pipeline {

class ModelHost {
 public:
  explicit ModelHost(bool verbose);
  ~ModelHost();
  ModelHost(const ModelHost&) = delete;
  ModelHost& operator=(const ModelHost&) = delete;

  // Loads a model config (Python starts the first time one is needed). Throws ds::Error.
  std::unique_ptr<Detector> load(const std::filesystem::path& model_config);
  // Loaders for Models: each model config is loaded when it is first switched to.
  Models lazy(const std::vector<std::filesystem::path>& model_configs);
  // The interpreter models run in (started if no model has been loaded yet).
  host::PythonRuntime& python();

 private:
  bool verbose_;
  std::unique_ptr<host::PythonRuntime> python_;
};

// Checks a --model path before anything slow: it exists and is a model config.
void check_model_config(const std::filesystem::path& model_config);

}  // namespace ds::pipeline
