#pragma once
// The pipeline's model stage: a model behind host::Inferencer, or detections saved in a results
// file (for `render` and `view --results`: the same loop, no model).
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/classes/class_map.hpp"
#include "core/dataset/dataset.hpp"
#include "host/inferencer.hpp"
#include "pipeline/frame.hpp"

namespace ds::pipeline {

class Detector {
 public:
  virtual ~Detector() = default;
  virtual const std::string& name() const = 0;
  virtual const std::vector<std::string>& class_names() const = 0;
  virtual std::size_t batch_size() const = 0;
  // The longer side the model resizes images to (0: none known); see DecodeOptions::keep_side.
  virtual int max_input_side() const { return 0; }
  // One list per frame, boxes in the frame's pixels.
  virtual std::vector<std::vector<host::RawDetection>> detect(std::span<const Frame* const> frames) = 0;
  // How its labels map onto a dataset's categories (by name, through class_map:).
  virtual ClassMapping map_to(std::span<const Category> categories,
                              const std::map<std::string, std::string>& class_map) const;
};

// A model (Python or native) as the pipeline's detector.
std::unique_ptr<Detector> model_detector(std::unique_ptr<host::Inferencer> inferencer);

// Saved detections (dataset category ids) replayed per dataset image; labels are positions in
// the dataset's category list, so they map back exactly even when names repeat.
std::unique_ptr<Detector> saved_detector(std::string name, const Dataset& dataset,
                                         std::span<const Detection> detections);

// A results file's detections for `dataset`, named after the file: COCO results (.json), or
// detections saved frame by frame with their track ids (.jsonl: detect's detections.jsonl; .txt: MOT
// results such as tracks.txt; see saved_frames.hpp, `class_map` maps the jsonl's labels). Detections
// for images the dataset lacks are left out, and those and unknown categories are warned about on stderr.
std::unique_ptr<Detector> saved_detector(const std::filesystem::path& results, const Dataset& dataset,
                                         const std::map<std::string, std::string>& class_map = {});

// Several models to switch between (`m`); each is loaded the first time it is needed.
class Models {
 public:
  using Loader = std::function<std::unique_ptr<Detector>()>;
  explicit Models(std::vector<Loader> loaders);
  Detector& current();
  std::size_t index() const { return current_; }
  std::size_t size() const { return loaders_.size(); }
  void next() { current_ = (current_ + 1) % loaders_.size(); }

 private:
  std::vector<Loader> loaders_;
  std::vector<std::unique_ptr<Detector>> loaded_;
  std::size_t current_ = 0;
};

}  // namespace ds::pipeline
