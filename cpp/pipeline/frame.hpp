#pragma once
// What flows through the pipeline: a decoded frame from a source, and what the model found on it.
#include <opencv2/core.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "host/inferencer.hpp"

namespace ds::pipeline {

class Detector;

struct Frame {
  std::size_t index = 0;   // position in the source, from 0 (frames skipped by --every count too)
  double time_ms = 0;      // position in the footage (files), or since the source opened (live)
  std::string name;        // the image's file name, or "frame <index>"
  const Image* image = nullptr;  // the dataset image this frame is, for dataset sources
  cv::Mat pixels;          // 8-bit BGR; empty when `error` is set
  // When the pixels are a reduced decode of a huge image (DecodeOptions::keep_side), the stored
  // image's size: the model's boxes are scaled back to it. Empty otherwise.
  cv::Size stored;
  std::string error;       // why it could not be decoded ("file: what is wrong")
  std::chrono::steady_clock::time_point captured;  // when the source produced it (latency)
};

// The model's output on one frame: boxes in the frame's pixels, labels index class_names.
struct Result {
  const Frame& frame;
  const std::vector<host::RawDetection>& detections;
  const std::vector<std::string>& class_names;
  const std::string& model;  // the detector's name
  const Detector& detector;  // for sinks that map its labels onto a dataset's categories
};

}  // namespace ds::pipeline
