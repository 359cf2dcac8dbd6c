#include "pipeline/report/html_report.hpp"

#include <opencv2/core/version.hpp>

#include <tuple>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_writer.hpp"
#include "host/libtorch/libtorch_inferencer.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace ds::pipeline {

fs::path gallery_path(const fs::path& metrics_json) { return metrics_json.parent_path() / "gallery.json"; }

void write_html_report(host::PythonRuntime& python, const std::vector<fs::path>& metrics_files, const fs::path& out,
                       const std::optional<std::string>& comparison_json) {
  // Read and parsed here, so a bad file is named before Python starts drawing.
  std::vector<std::string> runs, galleries;
  for (const fs::path& f : metrics_files) {
    runs.push_back(read_file(f));
    const fs::path g = gallery_path(f);
    std::error_code ec;
    galleries.push_back(fs::is_regular_file(g, ec) ? read_file(g) : "[]");
  }
  py::gil_scoped_acquire gil;
  try {
    const py::module_ json = py::module_::import("json");
    const py::module_ schema = py::module_::import("detection_studio.report.schema");
    py::list py_runs, py_galleries;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      // Each file checked on its own, so that a message names the file it is about.
      for (const auto& [text, file, check] : {std::tuple{&runs[i], metrics_files[i], "check_run"},
                                              std::tuple{&galleries[i], gallery_path(metrics_files[i]), "check_gallery"}}) {
        py::object value;
        try {
          value = json.attr("loads")(*text);
        } catch (const py::error_already_set& e) {
          throw Error(file.string() + ": not JSON (" + std::string(py::str(e.value())) + ")");
        }
        try {
          schema.attr(check)(value);
        } catch (const py::error_already_set& e) {
          if (!e.matches(schema.attr("ReportInputError"))) throw;
          throw Error(file.string() + ": " + std::string(py::str(e.value())));
        }
        (std::string_view(check) == "check_run" ? py_runs : py_galleries).append(value);
      }
    }
    const py::object comparison = comparison_json ? json.attr("loads")(*comparison_json) : py::none();
    py::module_::import("detection_studio.report")
        .attr("write_report")(py_runs, out.string(), py_galleries, comparison);
  } catch (const py::error_already_set& e) {
    throw Error(python.describe(e, out.string()));
  }
}

std::string versions_json(host::PythonRuntime& python) {
  JsonWriter w;
  // libtorch is linked into the runtime whatever the model; torch (Python) only when imported.
  w.begin_object().field("opencv", CV_VERSION).field("libtorch", host::libtorch::libtorch_version());
  py::gil_scoped_acquire gil;
  try {
    const py::module_ sys = py::module_::import("sys");
    w.field("python", py::module_::import("platform").attr("python_version")().cast<std::string>());
    const py::dict modules = sys.attr("modules");
    for (const char* name : {"detection_studio", "numpy", "torch", "torchvision", "onnxruntime", "ultralytics", "matplotlib"})
      if (modules.contains(name)) {
        const py::object m = modules[name];
        if (py::hasattr(m, "__version__")) w.field(name, py::str(m.attr("__version__")).cast<std::string>());
      }
  } catch (const py::error_already_set& e) {
    throw Error(python.describe(e, "versions"));
  }
  w.end_object();
  return w.take();
}

}  // namespace ds::pipeline
