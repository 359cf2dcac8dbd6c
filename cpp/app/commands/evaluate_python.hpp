#pragma once
// `evaluate` for the Python API (ds.evaluate): the command's run (evaluation_run: the same
// decoding, batches, journal and evaluators) without its command line, for a model config or a
// Python model. The binding (cpp/bindings/runtime_module.cpp) only converts arguments.
#include <pybind11/pybind11.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/eval/analysis/paired_bootstrap.hpp"
#include "core/eval/evaluator.hpp"

namespace ds::cli {

struct PythonEvaluation {
  std::filesystem::path config;  // a run config, or a dataset.yaml (default metrics and analyses)
  // The model: a model config (as --model; empty: the run config's model:), or, when
  // `python_model` is set, a Python model(images, names) (pipeline::python_detector).
  std::filesystem::path model_config;
  pybind11::object python_model;
  std::string model_name;
  std::vector<std::string> class_names;
  std::size_t batch_size = 0;  // images per model call (0: the model config's)
  std::size_t limit = 0;       // the first `limit` images (0: all)
  bool skip_bad = false;
  std::optional<std::filesystem::path> output;  // evaluate's folder: journal, metrics.json, ...
  std::optional<std::vector<std::string>> metrics, analyses;  // none: the run config's
  bool progress = true;
};

struct PythonRun {
  std::string metrics_json;  // what metrics.json holds (written there too with `output`)
  std::string text;          // the metrics' tables, as evaluate prints them
  std::vector<Detection> detections;
  // What compare needs of the run: its ground truth, scored images (in order) and options.
  std::shared_ptr<const Dataset> dataset;
  std::vector<std::int64_t> image_ids;
  EvaluatorOptions options;
};

// Throws ds::Error (a Python model's exceptions pass through). Call with the GIL held.
PythonRun evaluate_for_python(const PythonEvaluation& request);

// `compare`'s paired bootstrap of `run` against `baseline` (AP(run) - AP(baseline), resampling
// the baseline's images, as compare resamples its first model's), and the metrics.json key of
// that AP. Throws ds::Error when the two runs are not of the same dataset and images.
std::pair<analysis::ApDifference, std::string> compare_python_runs(const PythonRun& run, const PythonRun& baseline,
                                                                   std::size_t samples, std::uint64_t seed);

}  // namespace ds::cli
