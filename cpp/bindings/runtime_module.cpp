// detection_studio._runtime: the Python API's runs over the pipeline (ds.evaluate, ds.detect).
// Thin and declarative: the runs are cpp/app/commands/evaluate_python.cpp (evaluate's, with the
// GIL held: the model is called from this thread) and detect_python.cpp (the loop on a thread of
// its own; waiting for a frame releases the GIL).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <pybind11/numpy.h>

#include "bindings/detection_arrays.hpp"
#include "core/eval/analysis/label_error_task.hpp"
#include "core/eval/analysis/object_records.hpp"
#include "app/commands/detect_python.hpp"
#include "app/commands/evaluate_python.hpp"
#include "host/python_results.hpp"
#include "core/util/error.hpp"
#include "formats/coco/coco_json.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;
using namespace ds;

namespace {

// A stream's loop is stopped without the GIL (its model may need it to finish its batch), then
// the stream is deleted with it (it holds the model's Python objects).
struct StopThenDelete {
  void operator()(cli::PythonDetectStream* s) const {
    {
      const py::gil_scoped_release released;
      s->stop();
    }
    delete s;
  }
};

template <class T, class F>
py::array_t<T> column(const std::vector<host::RawDetection>& d, std::vector<py::ssize_t> shape, F&& values) {
  py::array_t<T> a(shape);
  T* out = a.mutable_data();
  for (const host::RawDetection& r : d) out = values(r, out);
  return a;
}

}  // namespace

PYBIND11_MODULE(_runtime, m) {
  m.doc() = "Detection Studio's runs over the image pipeline (ds.evaluate)";
  // ds::Error is _core.Error here too (one exception class for the whole API).
  static const py::handle core_error = py::object(py::module_::import("detection_studio._core").attr("Error")).release();
  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyErr_SetString(core_error.ptr(), e.what());
    }
  });

  m.def("evaluate",
        [](const fs::path& config, const fs::path& model_config, py::object python_model, std::string model_name,
           std::vector<std::string> class_names, std::size_t batch_size, std::size_t limit, bool skip_bad,
           std::optional<fs::path> output, std::optional<std::vector<std::string>> metrics,
           std::optional<std::vector<std::string>> analyses, bool progress) {
          return std::make_shared<cli::PythonRun>(cli::evaluate_for_python(
              {config, model_config, python_model.is_none() ? py::object() : std::move(python_model),
               std::move(model_name), std::move(class_names), batch_size, limit, skip_bad, std::move(output),
               std::move(metrics), std::move(analyses), progress}));
        },
        py::arg("config"), py::arg("model_config"), py::arg("python_model"), py::arg("model_name"),
        py::arg("class_names"), py::arg("batch_size"), py::arg("limit"), py::arg("skip_bad"), py::arg("output"),
        py::arg("metrics"), py::arg("analyses"), py::arg("progress"),
        "evaluate's run.");
  py::class_<cli::PythonRun, std::shared_ptr<cli::PythonRun>>(m, "ScoredRun", "An evaluate run, as compare needs it")
      .def_readonly("metrics_json", &cli::PythonRun::metrics_json)
      .def_readonly("text", &cli::PythonRun::text)
      .def("detection_arrays", [](const cli::PythonRun& r) { return bindings::detection_arrays(r.detections); })
      .def_property_readonly("analysis_iou", [](const cli::PythonRun& r) { return r.options.analysis_iou; })
      .def("object_records_csv",
           [](const cli::PythonRun& r, const std::vector<double>& ious) {
             return analysis::object_records_csv(*r.dataset, r.image_ids, r.detections, ious, analysis::Overlap::of(r.options));
           },
           py::arg("ious"), py::call_guard<py::gil_scoped_release>(), "--export-objects' records (CSV text).")
      .def("label_error_task",
           [](const cli::PythonRun& r) {
             analysis::LabelErrorTask t = analysis::find_label_error_task(*r.dataset, r.detections, r.image_ids, r.options);
             return std::pair<Dataset, std::size_t>(std::move(t.task), t.candidates);
           },
           py::call_guard<py::gil_scoped_release>(), "--export-label-errors' task and how many candidates it holds.");
  m.def("paired_bootstrap",
        [](const cli::PythonRun& run, const cli::PythonRun& baseline, std::size_t samples, std::uint64_t seed) {
          std::pair<analysis::ApDifference, std::string> result;
          {
            const py::gil_scoped_release released;
            result = cli::compare_python_runs(run, baseline, samples, seed);
          }
          const auto& [d, metric] = result;
          py::dict out;
          out["metric"] = metric, out["observed"] = d.observed, out["mean"] = d.mean;
          out["ci_low"] = d.ci_low, out["ci_high"] = d.ci_high, out["samples"] = d.samples;
          return out;
        },
        py::arg("run"), py::arg("baseline"), py::arg("samples"), py::arg("seed"), "compare's paired bootstrap (AP(run) - AP(baseline)).");

  py::class_<cli::PythonDetectStream, std::unique_ptr<cli::PythonDetectStream, StopThenDelete>>(
      m, "DetectStream", "detect's loop, frame by frame")
      .def(py::init([](std::string source, const fs::path& model_config, py::object python_model, std::string model_name,
                       std::vector<std::string> class_names, std::size_t batch_size, std::size_t every,
                       std::size_t limit, double score_threshold, bool skip_bad, std::optional<bool> live,
                       std::string tracker, std::optional<fs::path> tracker_config) {
             return std::unique_ptr<cli::PythonDetectStream, StopThenDelete>(new cli::PythonDetectStream(
                 {std::move(source), model_config, python_model.is_none() ? py::object() : std::move(python_model),
                  std::move(model_name), std::move(class_names), batch_size, every, limit, score_threshold, skip_bad,
                  live, std::move(tracker), std::move(tracker_config)}));
           }),
           py::arg("source"), py::arg("model_config"), py::arg("python_model"), py::arg("model_name"),
           py::arg("class_names"), py::arg("batch_size"), py::arg("every"), py::arg("limit"),
           py::arg("score_threshold"), py::arg("skip_bad"), py::arg("live"), py::arg("tracker") = "",
           py::arg("tracker_config") = std::nullopt)
      .def("next",
           [](cli::PythonDetectStream& s) -> py::object {
             std::optional<pipeline::FrameStream::Item> item;
             {
               const py::gil_scoped_release released;
               item = s.next();
             }
             if (!item) return py::none();
             const auto& d = item->detections;
             const auto n = static_cast<py::ssize_t>(d.size());
             return py::make_tuple(
                 item->frame.index, item->frame.name, item->frame.time_ms, host::image_view(item->frame.pixels),
                 column<float>(d, {n, 4}, [](const host::RawDetection& r, float* o) {
                   *o++ = r.x1, *o++ = r.y1, *o++ = r.x2, *o++ = r.y2;
                   return o;
                 }),
                 column<float>(d, {n}, [](const host::RawDetection& r, float* o) { *o++ = r.score; return o; }),
                 column<std::int64_t>(d, {n}, [](const host::RawDetection& r, std::int64_t* o) { *o++ = r.label; return o; }),
                 item->class_names, item->model,
                 column<std::int64_t>(d, {n}, [](const host::RawDetection& r, std::int64_t* o) { *o++ = r.track_id; return o; }));
           },
           "(index, name, time_ms, image, boxes, scores, labels, class_names, model, track_ids: -1 untracked), or None at the end.")
      .def("close", &cli::PythonDetectStream::stop, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("description", [](const cli::PythonDetectStream& s) { return s.source().description(); })
      .def_property_readonly("size", [](const cli::PythonDetectStream& s) { return s.source().size(); });
}
