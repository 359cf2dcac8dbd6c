#include "host/python_results.hpp"

#include <pybind11/numpy.h>

#include <algorithm>
#include <cmath>

#include "core/util/error.hpp"

namespace py = pybind11;

namespace ds::host {
namespace {

// "keypoints": N x K x 3 (x, y, v in the image's pixels), as torchvision's Keypoint R-CNN gives.
void add_keypoints(py::handle keypoints_object, std::vector<RawDetection>& out, const std::string& context) {
  using floats = py::array_t<double, py::array::c_style | py::array::forcecast>;
  const floats kp = floats::ensure(keypoints_object);
  if (!kp) throw Error(context + ": inference result 'keypoints' is not a numeric array");
  if (kp.ndim() != 3 || static_cast<std::size_t>(kp.shape(0)) != out.size() || kp.shape(2) != 3)
    throw Error(context + ": inference result 'keypoints' must be " + std::to_string(out.size()) +
                " x K x 3 (x, y, v of K keypoints per box)");
  const auto per = static_cast<std::size_t>(kp.shape(1)) * 3;
  for (std::size_t n = 0; n < out.size(); ++n) {
    const double* p = kp.data() + n * per;
    // detections.json and the journal are JSON: a NaN would make them unreadable.
    if (!std::all_of(p, p + per, [](double v) { return std::isfinite(v); }))
      throw Error(context + ": inference result 'keypoints' of box " + std::to_string(n) +
                  " holds a value that is not a finite number");
    out[n].keypoints.assign(p, p + per);
  }
}

// "masks": N x H x W bytes at the image's size, non-zero inside; kept as COCO RLE.
void add_masks(py::handle masks_object, const cv::Mat& image, std::vector<RawDetection>& out,
               const std::string& context) {
  using bytes = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>;
  const bytes masks = bytes::ensure(masks_object);
  if (!masks) throw Error(context + ": inference result 'masks' is not a numeric array");
  const auto h = static_cast<std::size_t>(image.rows), w = static_cast<std::size_t>(image.cols);
  if (masks.ndim() != 3 || static_cast<std::size_t>(masks.shape(0)) != out.size() ||
      static_cast<std::size_t>(masks.shape(1)) != h || static_cast<std::size_t>(masks.shape(2)) != w)
    throw Error(context + ": inference result 'masks' must be " + std::to_string(out.size()) + " x " +
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

}  // namespace

py::array image_view(const cv::Mat& image) {
  if (image.type() != CV_8UC3) throw Error("internal: images must be 8-bit, 3 channels");
  // The capsule owns a Mat header sharing the buffer, so the pixels stay alive as long as
  // Python holds the array.
  auto owner = std::make_unique<cv::Mat>(image);
  const py::capsule base(owner.get(), [](void* p) { std::unique_ptr<cv::Mat>(static_cast<cv::Mat*>(p)); });
  owner.release();  // the capsule owns it now
  py::array array(py::dtype::of<std::uint8_t>(),
                  {static_cast<py::ssize_t>(image.rows), static_cast<py::ssize_t>(image.cols), py::ssize_t{3}},
                  {static_cast<py::ssize_t>(image.step[0]), py::ssize_t{3}, py::ssize_t{1}}, image.data, base);
  array.attr("setflags")(py::arg("write") = false);
  return array;
}

std::vector<RawDetection> raw_detections(py::handle result, const cv::Mat& image, std::size_t classes,
                                         const std::string& context) {
  using floats = py::array_t<float, py::array::c_style | py::array::forcecast>;
  using ints = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
  const floats boxes = floats::ensure(result["boxes"]);
  const floats scores = floats::ensure(result["scores"]);
  const ints labels = ints::ensure(result["labels"]);
  if (!boxes || !scores || !labels) throw Error(context + ": inference result is not numeric arrays");
  const auto n = static_cast<std::size_t>(scores.size());
  if (static_cast<std::size_t>(boxes.size()) != 4 * n || static_cast<std::size_t>(labels.size()) != n)
    throw Error(context + ": inference result arrays disagree in length");
  std::vector<RawDetection> out(n);
  const float* b = boxes.data();
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = {b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3], scores.data()[i], labels.data()[i]};
    if (out[i].label < 0 || static_cast<std::size_t>(out[i].label) >= classes)
      throw Error(context + ": model returned label " + std::to_string(out[i].label) + ", outside its " +
                  std::to_string(classes) + " class names");
  }
  // Optional: a mapping's "masks" (any mapping: modules need not return a plain dict).
  const py::object masks = py::hasattr(result, "get") ? result.attr("get")("masks", py::none()) : py::object(py::none());
  if (!masks.is_none()) add_masks(masks, image, out, context);
  const py::object keypoints =
      py::hasattr(result, "get") ? result.attr("get")("keypoints", py::none()) : py::object(py::none());
  if (!keypoints.is_none()) add_keypoints(keypoints, out, context);
  return out;
}

}  // namespace ds::host
