#include "pipeline/models.hpp"

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "host/libtorch/libtorch_inferencer.hpp"
#include "host/python_runtime.hpp"

namespace fs = std::filesystem;

namespace ds::pipeline {

ModelHost::ModelHost(bool verbose) : verbose_(verbose) {}
// Detectors hold Python objects: callers drop them before the host (and so the interpreter).
ModelHost::~ModelHost() = default;

namespace {

// opencv-python (which Ultralytics imports) points Qt at its own plugins through the process
// environment; our windows use Debian's Qt, which aborts on those plugins. Whatever a model's
// Python code sets there is put back.
class QtEnvironmentKept {
 public:
  QtEnvironmentKept() {
    for (const char* key : kKeys) {
      const char* v = std::getenv(key);
      saved_.emplace_back(key, v ? std::optional<std::string>(v) : std::nullopt);
    }
  }
  ~QtEnvironmentKept() {
    for (const auto& [key, value] : saved_) {
      if (value) ::setenv(key, value->c_str(), 1);
      else ::unsetenv(key);
    }
  }
  QtEnvironmentKept(const QtEnvironmentKept&) = delete;
  QtEnvironmentKept& operator=(const QtEnvironmentKept&) = delete;

 private:
  static constexpr const char* kKeys[] = {"QT_QPA_PLATFORM_PLUGIN_PATH", "QT_PLUGIN_PATH", "QT_QPA_FONTDIR"};
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

}  // namespace

namespace {

// Inferencers written in C++: `module: <name>` picks one before any Python module is looked up,
// and the interpreter is then never started for that model.
using NativeLoader = std::unique_ptr<host::Inferencer> (*)(const fs::path&);
const std::pair<std::string_view, NativeLoader> kNativeInferencers[] = {
    {"libtorch", &host::libtorch::load_libtorch_inferencer},
};

}  // namespace

std::unique_ptr<Detector> ModelHost::load(const fs::path& model_config) {
  check_model_config(model_config);
  const std::string module = model_module(model_config);
  for (const auto& [name, native] : kNativeInferencers)
    if (module == name) return model_detector(native(model_config));
  const QtEnvironmentKept kept;
  return model_detector(host::load_inferencer(model_config, python()));
}

host::PythonRuntime& ModelHost::python() {
  if (!python_) python_ = std::make_unique<host::PythonRuntime>(verbose_);
  return *python_;
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
