#pragma once
// Detections to Python as NumPy columns (Run.detections, Run.detection_columns): shared by the
// _core and _runtime modules. Declarative conversion only; the columns are built by
// coco::detection_columns.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <span>

#include "core/eval/coco/results.hpp"

namespace ds::bindings {

inline pybind11::dict detection_arrays(std::span<const Detection> detections) {
  namespace py = pybind11;
  const coco::DetectionColumns c = coco::detection_columns(detections);
  const auto n = static_cast<py::ssize_t>(c.scores.size());
  py::dict out;
  out["image_id"] = py::array_t<std::int64_t>(n, c.image_ids.data());
  out["category_id"] = py::array_t<std::int64_t>(n, c.category_ids.data());
  out["bbox"] = py::array_t<double>({n, py::ssize_t{4}}, c.boxes.data());
  out["score"] = py::array_t<double>(n, c.scores.data());
  if (c.any_mask) {
    out["mask_height"] = py::array_t<std::uint32_t>(n, c.mask_heights.data());
    out["mask_width"] = py::array_t<std::uint32_t>(n, c.mask_widths.data());
    out["mask_counts"] = c.mask_counts;
    out["mask_polygons"] = c.mask_polygons;
  }
  if (c.any_keypoints) out["keypoints"] = c.keypoints;
  return out;
}

}  // namespace ds::bindings
