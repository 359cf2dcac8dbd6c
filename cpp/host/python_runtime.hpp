#pragma once
// The embedded Python interpreter: one per process. It finds the virtual environment's packages
// from the executable's own location (the venv's bin/python next to it), with no environment
// variables, from any working directory. In a process that is already Python (the Python API:
// ds.evaluate), it is that process's interpreter.
#include <pybind11/embed.h>

#include <filesystem>
#include <optional>
#include <string>

namespace ds::host {

class PythonRuntime {
 public:
  explicit PythonRuntime(bool verbose);
  PythonRuntime(const PythonRuntime&) = delete;
  PythonRuntime& operator=(const PythonRuntime&) = delete;

  bool verbose() const { return verbose_; }

  // A one-line message for a Python exception: ConfigError's own text, or
  // "<context>: <Type>: <message>". With verbose, the traceback goes to stderr first.
  std::string describe(const pybind11::error_already_set& e, const std::string& context) const;

  // The Python executable whose environment we run in.
  static std::filesystem::path environment_python();

 private:
  bool verbose_;
  std::optional<pybind11::scoped_interpreter> interpreter_;
};

}  // namespace ds::host
