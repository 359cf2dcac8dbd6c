#pragma once
// A model behind one C++ interface. Python inferencer modules (python_modules/) implement it
// through PythonInferencer; the evaluation loop and the viewer only see this.
#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/classes/class_map.hpp"
#include "core/dataset/dataset.hpp"
#include "core/mask/segmentation.hpp"

namespace ds::host {

class PythonRuntime;

struct RawDetection {
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0;  // absolute pixels, xyxy
  float score = 0;
  std::int64_t label = 0;  // index into class_names()
  // An instance mask (RLE at the image's size) when the model gives one, e.g. Mask R-CNN.
  std::shared_ptr<const mask::Segmentation> mask;
  // x, y, v per keypoint in image pixels when the model gives them (Keypoint R-CNN); empty: none.
  std::vector<double> keypoints;
  // The track a tracker (a pipeline transform) gave it; -1: not tracked.
  std::int64_t track_id = -1;
};

class Inferencer {
 public:
  virtual ~Inferencer() = default;
  virtual const std::string& name() const = 0;
  virtual const std::vector<std::string>& class_names() const = 0;
  virtual int batch_size() const = 0;
  // The longer side the model resizes every image to (0: unknown, or it takes them as they
  // are): huge images may then be decoded smaller (DecodeOptions::keep_side).
  virtual int max_input_side() const { return 0; }
  // images: 8-bit BGR (OpenCV's order). One result list per image.
  virtual std::vector<std::vector<RawDetection>> infer(std::span<const cv::Mat> images) = 0;
};

// A model's raw output on one image as dataset detections (xywh). Detections of model classes
// that map to no dataset category are left out and counted in `dropped`.
std::vector<Detection> to_detections(std::int64_t image_id, std::span<const RawDetection> raw,
                                     const ClassMapping& mapping, std::size_t& dropped);

// Loads the model config's `module:` and calls its load(config_path). Must not outlive `python`.
std::unique_ptr<Inferencer> load_inferencer(const std::filesystem::path& model_config,
                                            PythonRuntime& python);

}  // namespace ds::host
