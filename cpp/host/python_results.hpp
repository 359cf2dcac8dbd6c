#pragma once
// Crossing into Python and back: images go as zero-copy, read-only numpy views of the cv::Mat
// buffers; a model's result for one image ({"boxes", "scores", "labels"(, "masks",
// "keypoints")}) comes back as RawDetections. Every Python model shares these: inferencer
// modules and the Python API's callables.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "host/inferencer.hpp"

namespace ds::host {

// A read-only numpy array over the Mat's pixels (H x W x 3 uint8); it keeps them alive.
pybind11::array image_view(const cv::Mat& image);

// One image's result. Throws ds::Error "<context>: inference result ..." when it is not what
// the inferencer contract says (a label outside the `classes` class names, masks not at the
// image's size, ...).
std::vector<RawDetection> raw_detections(pybind11::handle result, const cv::Mat& image, std::size_t classes,
                                         const std::string& context);

}  // namespace ds::host
