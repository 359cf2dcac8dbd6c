// `export`: a model config to ONNX, TorchScript, torch.export or AOTInductor, plus a ready config beside the
// file. The work is Python's (detection_studio.export); this only starts the interpreter.
#include <iostream>

#include "app/commands/commands.hpp"
#include "core/util/error.hpp"
#include "host/python_runtime.hpp"

namespace py = pybind11;

namespace ds::cli {

int run_export(const ParsedArgs& args) {
  const auto to = args.get("--to");
  const auto output = args.get("--output");
  if (!to) throw UsageError("--to is required (onnx, torchscript, libtorch, export or aoti)");
  if (!output) throw UsageError("--output is required");
  const std::string config = args.positional.at(0);
  host::PythonRuntime python(args.verbose());
  try {
    const py::module_ exporter = py::module_::import("detection_studio.export");
    const py::object written =
        exporter.attr("export")(config, *to, *output, py::none(), args.get("--device").value_or("cpu"));
    std::cout << "export: " << *output << " and " << py::str(written).cast<std::string>() << "\n";
  } catch (const py::error_already_set& e) {
    throw Error(python.describe(e, config));
  }
  return 0;
}

}  // namespace ds::cli
