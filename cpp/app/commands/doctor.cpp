// `doctor`: is the installation sound? Python found, torch importable, and torch's BLAS not
// hijacked by the netlib BLAS that Debian's OpenCV loads (the 10-30x slowdown trap).
#include <dlfcn.h>

#include <iostream>

#include "app/commands/commands.hpp"
#include "core/util/error.hpp"
#include "host/python_runtime.hpp"

namespace py = pybind11;

namespace ds::cli {
namespace {

// The library whose `symbol` the dynamic linker hands out first in the global scope: the one a
// later-loaded library (libtorch_cpu) binds to.
std::string provider_of(const char* symbol) {
  void* address = dlsym(RTLD_DEFAULT, symbol);
  if (!address) return "(none)";
  Dl_info info{};
  if (dladdr(address, &info) == 0 || !info.dli_fname) return "(unknown)";
  return info.dli_fname;
}

}  // namespace

int run_doctor(const ParsedArgs& args) {
  host::PythonRuntime python(args.verbose());
  bool ok = true;
  try {
    const py::module_ sys = py::module_::import("sys");
    std::cout << "python:      " << sys.attr("executable").cast<std::string>() << " (prefix "
              << sys.attr("prefix").cast<std::string>() << ")\n";
    const py::module_ torch = py::module_::import("torch");
    std::cout << "torch:       " << torch.attr("__version__").cast<std::string>() << " from "
              << torch.attr("__file__").cast<std::string>() << "\n";
    const bool cuda = torch.attr("cuda").attr("is_available")().cast<bool>();
    std::cout << "device:      " << (cuda ? "cuda" : "cpu") << "\n";
    const py::module_ ds_module = py::module_::import("detection_studio");
    std::cout << "package:     " << ds_module.attr("__file__").cast<std::string>() << "\n";
  } catch (const py::error_already_set& e) {
    throw Error(python.describe(e, "python environment"));
  }
  const std::string sgemm = provider_of("sgemm_");
  std::cout << "sgemm_ from: " << sgemm << "\n";
  if (sgemm.find("/torch/lib/") == std::string::npos) {
    std::cout << "PROBLEM: torch's BLAS is shadowed by " << sgemm
              << ": models will run 10-30x slower (libtorch must be linked before OpenCV)\n";
    ok = false;
  }
  std::cout << (ok ? "ok\n" : "problems found\n");
  return ok ? 0 : 1;
}

}  // namespace ds::cli
