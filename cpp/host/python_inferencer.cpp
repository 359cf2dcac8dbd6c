// Inferencer over a Python module: images go to Python as zero-copy, read-only numpy views of
// the cv::Mat buffers; results come back as numpy arrays.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>

#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "host/inferencer.hpp"
#include "host/python_results.hpp"
#include "host/python_runtime.hpp"

namespace py = pybind11;

namespace ds::host {
namespace {

class PythonInferencer final : public Inferencer {
 public:
  PythonInferencer(std::filesystem::path config, PythonRuntime& python, py::object impl)
      : config_(std::move(config)), python_(python), impl_(std::move(impl)) {
    name_ = impl_.attr("name").cast<std::string>();
    class_names_ = impl_.attr("class_names").cast<std::vector<std::string>>();
    batch_size_ = py::hasattr(impl_, "batch_size") ? impl_.attr("batch_size").cast<int>() : 1;
    if (batch_size_ < 1) batch_size_ = 1;
    // Optional: inferencers that resize declare it (an int attribute, or None).
    if (py::hasattr(impl_, "max_input_side") && !impl_.attr("max_input_side").is_none())
      max_input_side_ = std::max(0, impl_.attr("max_input_side").cast<int>());
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& class_names() const override { return class_names_; }
  int batch_size() const override { return batch_size_; }
  int max_input_side() const override { return max_input_side_; }

  std::vector<std::vector<RawDetection>> infer(std::span<const cv::Mat> images) override {
    // The pipeline may run on a thread of its own (the Python API's ds.detect).
    const py::gil_scoped_acquire gil;
    try {
      py::list batch;
      for (const cv::Mat& im : images) batch.append(image_view(im));
      const py::list results = impl_.attr("infer")(batch);
      if (results.size() != images.size())
        throw Error(config_.string() + ": model returned " + std::to_string(results.size()) +
                    " results for " + std::to_string(images.size()) + " images");
      std::vector<std::vector<RawDetection>> out(images.size());
      for (std::size_t i = 0; i < images.size(); ++i)
        out[i] = raw_detections(results[i], images[i], class_names_.size(), config_.string());
      return out;
    } catch (const py::error_already_set& e) {
      // Ctrl-C in a Python process (the Python API) stops the run as Python stops.
      if (e.matches(PyExc_KeyboardInterrupt)) throw;
      throw Error(python_.describe(e, config_.string() + ": inference"));
    } catch (const py::cast_error& e) {
      throw Error(config_.string() + ": inference returned an unexpected result: " + e.what());
    }
  }

 private:
  std::filesystem::path config_;
  PythonRuntime& python_;
  py::object impl_;
  std::string name_;
  std::vector<std::string> class_names_;
  int max_input_side_ = 0;
  int batch_size_ = 1;
};

}  // namespace

std::unique_ptr<Inferencer> load_inferencer(const std::filesystem::path& model_config,
                                            PythonRuntime& python) {
  // detection_studio.loader finds the module (installed name, dotted name or a .py file beside
  // the config) and calls its load(); its ConfigErrors come back as their own one line.
  const std::string module = model_module(model_config);
  py::object impl;
  try {
    const py::module_ loader = py::module_::import("detection_studio.loader");
    impl = loader.attr("load")(std::filesystem::absolute(model_config).string(), module);
  } catch (const py::error_already_set& e) {
    throw Error(python.describe(e, model_config.string()));
  }
  try {
    return std::make_unique<PythonInferencer>(model_config, python, std::move(impl));
  } catch (const py::error_already_set& e) {
    throw Error(python.describe(e, model_config.string() + ": " + module + ".load() result"));
  } catch (const py::cast_error&) {
    throw Error(model_config.string() + ": " + module +
                ".load() must return an object with name (str) and class_names (list of str)");
  }
}

}  // namespace ds::host
