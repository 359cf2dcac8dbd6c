// Inferencer over a Python module: images go to Python as zero-copy, read-only numpy views of
// the cv::Mat buffers; results come back as numpy arrays.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>

#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "host/inferencer.hpp"
#include "host/python_runtime.hpp"

namespace py = pybind11;

namespace ds::host {
namespace {

// A numpy array over the Mat's pixels. The capsule owns a Mat header sharing the buffer, so the
// pixels stay alive as long as Python holds the array.
py::array view_of(const cv::Mat& image) {
  if (image.type() != CV_8UC3) throw Error("internal: images must be 8-bit, 3 channels");
  auto owner = std::make_unique<cv::Mat>(image);
  const py::capsule base(owner.get(), [](void* p) { std::unique_ptr<cv::Mat>(static_cast<cv::Mat*>(p)); });
  owner.release();  // the capsule owns it now
  py::array array(py::dtype::of<std::uint8_t>(),
                  {static_cast<py::ssize_t>(image.rows), static_cast<py::ssize_t>(image.cols), py::ssize_t{3}},
                  {static_cast<py::ssize_t>(image.step[0]), py::ssize_t{3}, py::ssize_t{1}}, image.data, base);
  array.attr("setflags")(py::arg("write") = false);
  return array;
}

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
    try {
      py::list batch;
      for (const cv::Mat& im : images) batch.append(view_of(im));
      const py::list results = impl_.attr("infer")(batch);
      if (results.size() != images.size())
        throw Error(config_.string() + ": model returned " + std::to_string(results.size()) +
                    " results for " + std::to_string(images.size()) + " images");
      std::vector<std::vector<RawDetection>> out(images.size());
      for (std::size_t i = 0; i < images.size(); ++i) out[i] = convert(results[i], images[i]);
      return out;
    } catch (const py::error_already_set& e) {
      throw Error(python_.describe(e, config_.string() + ": inference"));
    } catch (const py::cast_error& e) {
      throw Error(config_.string() + ": inference returned an unexpected result: " + e.what());
    }
  }

 private:
  std::vector<RawDetection> convert(py::handle result, const cv::Mat& image) const {
    using floats = py::array_t<float, py::array::c_style | py::array::forcecast>;
    using ints = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
    const floats boxes = floats::ensure(result["boxes"]);
    const floats scores = floats::ensure(result["scores"]);
    const ints labels = ints::ensure(result["labels"]);
    if (!boxes || !scores || !labels) throw Error(config_.string() + ": inference result is not numeric arrays");
    const auto n = static_cast<std::size_t>(scores.size());
    if (static_cast<std::size_t>(boxes.size()) != 4 * n || static_cast<std::size_t>(labels.size()) != n)
      throw Error(config_.string() + ": inference result arrays disagree in length");
    std::vector<RawDetection> out(n);
    const float* b = boxes.data();
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = {b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3], scores.data()[i], labels.data()[i]};
      if (out[i].label < 0 || static_cast<std::size_t>(out[i].label) >= class_names_.size())
        throw Error(config_.string() + ": model returned label " + std::to_string(out[i].label) +
                    ", outside its " + std::to_string(class_names_.size()) + " class names");
    }
    // Optional: a mapping's "masks" (any mapping: modules need not return a plain dict).
    const py::object masks = py::hasattr(result, "get") ? result.attr("get")("masks", py::none()) : py::object(py::none());
    if (!masks.is_none()) add_masks(masks, image, out);
    const py::object keypoints = py::hasattr(result, "get") ? result.attr("get")("keypoints", py::none()) : py::object(py::none());
    if (!keypoints.is_none()) add_keypoints(keypoints, out);
    return out;
  }

  // "keypoints": N x K x 3 (x, y, v in the image's pixels), as torchvision's Keypoint R-CNN gives.
  void add_keypoints(py::handle keypoints_object, std::vector<RawDetection>& out) const {
    using floats = py::array_t<double, py::array::c_style | py::array::forcecast>;
    const floats kp = floats::ensure(keypoints_object);
    if (!kp) throw Error(config_.string() + ": inference result 'keypoints' is not a numeric array");
    if (kp.ndim() != 3 || static_cast<std::size_t>(kp.shape(0)) != out.size() || kp.shape(2) != 3)
      throw Error(config_.string() + ": inference result 'keypoints' must be " + std::to_string(out.size()) +
                  " x K x 3 (x, y, v of K keypoints per box)");
    const auto per = static_cast<std::size_t>(kp.shape(1)) * 3;
    for (std::size_t n = 0; n < out.size(); ++n) {
      const double* p = kp.data() + n * per;
      // detections.json and the journal are JSON: a NaN would make them unreadable.
      if (!std::all_of(p, p + per, [](double v) { return std::isfinite(v); }))
        throw Error(config_.string() + ": inference result 'keypoints' of box " + std::to_string(n) +
                    " holds a value that is not a finite number");
      out[n].keypoints.assign(p, p + per);
    }
  }

  // "masks": N x H x W bytes at the image's size, non-zero inside; kept as COCO RLE.
  void add_masks(py::handle masks_object, const cv::Mat& image, std::vector<RawDetection>& out) const {
    using bytes = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>;
    const bytes masks = bytes::ensure(masks_object);
    if (!masks) throw Error(config_.string() + ": inference result 'masks' is not a numeric array");
    const auto h = static_cast<std::size_t>(image.rows), w = static_cast<std::size_t>(image.cols);
    if (masks.ndim() != 3 || static_cast<std::size_t>(masks.shape(0)) != out.size() ||
        static_cast<std::size_t>(masks.shape(1)) != h || static_cast<std::size_t>(masks.shape(2)) != w)
      throw Error(config_.string() + ": inference result 'masks' must be " + std::to_string(out.size()) + " x " +
                  std::to_string(h) + " x " + std::to_string(w) + " (one mask per box, at the image's size)");
    std::vector<std::uint8_t> column_major(h * w);
    for (std::size_t n = 0; n < out.size(); ++n) {
      const std::uint8_t* m = masks.data() + n * h * w;
      for (std::size_t x = 0; x < w; ++x)
        for (std::size_t y = 0; y < h; ++y) column_major[x * h + y] = m[y * w + x];
      auto s = std::make_shared<mask::Segmentation>();
      s->rle = mask::encode(column_major, static_cast<std::uint32_t>(h), static_cast<std::uint32_t>(w));
      out[n].mask = std::move(s);
    }
  }

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
