#include "host/libtorch/ops_library.hpp"

#include <dlfcn.h>

#include <mutex>
#include <set>
#include <string>

#include "core/util/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace ds::host::libtorch {

std::optional<fs::path> find_torchvision_ops() {
  // Installed: bin/detection-studio-runtime beside the venv's bin/python (as PythonRuntime finds
  // its environment, without starting it); in a build tree, the venv it was built with.
  std::error_code ec;
  const fs::path bin = current_executable().parent_path();
  const fs::path venv = (fs::exists(bin / "python", ec) ? bin : fs::path(DS_BUILD_PYTHON).parent_path()).parent_path();
  const fs::path folder = venv / "lib" / DS_PYTHON_LIB_DIR / "site-packages" / "torchvision";
  for (const char* name : {"_C_stable.so", "_C.so"}) {
    if (fs::is_regular_file(folder / name, ec)) return folder / name;
  }
  return std::nullopt;
}

void load_ops_library(const fs::path& library, const std::string& context) {
  static std::mutex mutex;
  static std::set<fs::path> loaded;
  const std::lock_guard lock(mutex);
  if (loaded.contains(library)) return;
  std::error_code ec;
  if (!fs::is_regular_file(library, ec))
    throw Error(context + ": torchvision's operator library not found: " + library.string());
  // Never closed: the registered operators must outlive every model that uses them.
  if (::dlopen(library.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    const char* why = ::dlerror();
    throw Error(context + ": cannot load torchvision's operators from " + library.string() + ": " +
                (why ? why : "unknown error"));
  }
  loaded.insert(library);
}

}  // namespace ds::host::libtorch
