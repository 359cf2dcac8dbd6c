#pragma once
// Releases the GIL for its lifetime when this thread holds it, else does nothing. For a thread
// that waits on other threads which may call into Python: a native model's worker runs an op
// whose kernel is written in Python once `torch` is imported for another model of the same run
// (seen: compare with a Python and a TorchScript model, each worker stuck in take_gil).
#include <pybind11/pybind11.h>

#include <optional>

namespace ds::host {

class WithoutGil {
 public:
  WithoutGil() {
    if (Py_IsInitialized() && PyGILState_Check()) released_.emplace();
  }

 private:
  std::optional<pybind11::gil_scoped_release> released_;
};

}  // namespace ds::host
