#pragma once
// `module: libtorch`: TorchScript (format: torchscript) and AOTInductor (format: aoti) models run
// from C++ by libtorch, on `workers` threads, with no Python interpreter. No torch headers here:
// they are slow to compile and stay in libtorch_inferencer.cpp.
#include <filesystem>
#include <memory>

#include "host/inferencer.hpp"

namespace ds::host::libtorch {

// Reads and checks the config, loads the model (one replica per worker). Throws ds::Error.
std::unique_ptr<Inferencer> load_libtorch_inferencer(const std::filesystem::path& model_config);

// The libtorch this was built against ("2.14.1"), for metrics.json's versions.
const char* libtorch_version();

}  // namespace ds::host::libtorch
