#pragma once
// torchvision's C++ operators (torchvision::nms, roi_align, ...) for scripted or exported
// torchvision detectors. In Python `import torchvision` registers them; with no interpreter the
// library has to be loaded into the process by hand.
#include <filesystem>
#include <optional>

namespace ds::host::libtorch {

// The venv's torchvision operator library, when installed (_C_stable.so or _C.so).
std::optional<std::filesystem::path> find_torchvision_ops();

// Loads `library` once per process (RTLD_GLOBAL: its static initialisers register the ops).
// Throws ds::Error "<context>: cannot load torchvision's operators from <library>: <dlerror>".
void load_ops_library(const std::filesystem::path& library, const std::string& context);

}  // namespace ds::host::libtorch
