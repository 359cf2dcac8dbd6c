#include "host/python_runtime.hpp"

#include <iostream>

#include "core/util/error.hpp"
#include "core/util/files.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace ds::host {

fs::path PythonRuntime::environment_python() {
  // Installed: bin/detection-studio-runtime next to bin/python in the venv. Elsewhere (a build
  // tree): the Python the project was built with.
  const fs::path beside = current_executable().parent_path() / "python";
  std::error_code ec;
  if (fs::exists(beside, ec)) return beside;
  return DS_BUILD_PYTHON;
}

PythonRuntime::PythonRuntime(bool verbose) : verbose_(verbose) {
  // Inside a Python process (the Python API: ds.evaluate), models run in its interpreter.
  if (Py_IsInitialized()) return;
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.parse_argv = 0;
  config.install_signal_handlers = 0;  // Ctrl-C stops the program, not just the Python call
  // PYTHONHOME/PYTHONPATH from the user's shell would point elsewhere (PYTHONHOME=.venv is
  // fatal): the venv is found from program_name through its pyvenv.cfg instead.
  config.use_environment = 0;
  const fs::path python = environment_python();
  const PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, python.c_str());
  if (PyStatus_Exception(status)) {
    PyConfig_Clear(&config);
    throw Error("cannot configure Python from " + python.string());
  }
  try {
    interpreter_.emplace(&config, 0, nullptr, false);
  } catch (const std::exception& e) {
    throw Error("cannot start Python (" + python.string() + "): " + e.what());
  }
}

std::string PythonRuntime::describe(const py::error_already_set& e,
                                    const std::string& context) const {
  try {
    if (verbose_) {
      const py::object tb = py::module_::import("traceback");
      const py::object lines = tb.attr("format_exception")(e.type(), e.value(), e.trace());
      std::cerr << py::str("").attr("join")(lines).cast<std::string>();
    }
    const py::object config_error = py::module_::import("detection_studio.errors").attr("ConfigError");
    const std::string message = py::str(e.value()).cast<std::string>();
    if (PyObject_IsInstance(e.value().ptr(), config_error.ptr()) == 1) return message;
    const std::string type = py::str(e.type().attr("__name__")).cast<std::string>();
    std::string first_line = message.substr(0, message.find('\n'));
    std::string out = context + ": " + type + (first_line.empty() ? "" : ": " + first_line);
    if (!verbose_) out += " (--verbose shows the traceback)";
    return out;
  } catch (const py::error_already_set&) {
    return context + ": " + e.what();
  }
}

}  // namespace ds::host
