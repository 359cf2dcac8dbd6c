#pragma once
// A model given as a Python object (the Python API: ds.evaluate's callables and modules). The
// pipeline hands it each batch as it hands inferencer modules theirs; what it returns goes
// through the same conversion (host/python_results), so a module's `infer` given this way
// gives the detections the command line gets from its model config.
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

#include "pipeline/detector.hpp"

namespace ds::pipeline {

// `model(images, names)` gets a batch's images (read-only H x W x 3 uint8 BGR views) and their
// frames' names (file names), and returns one result per image. Its Python exceptions go
// through the pipeline unchanged (pybind11::error_already_set), so its caller sees them as they
// were raised. It takes the GIL to run (the loop may be on a thread of its own: ds.detect).
std::unique_ptr<Detector> python_detector(pybind11::object model, std::string name,
                                          std::vector<std::string> class_names, std::size_t batch_size);

}  // namespace ds::pipeline
