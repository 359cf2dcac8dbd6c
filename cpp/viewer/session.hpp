#pragma once
// What `view` and `render` share: a run config's dataset, ground truth per image, and where the
// detections come from (a saved results file, or models run on demand and cached per model and
// image), composed into drawn frames. No window here: `render` uses it headless.
#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/classes/class_map.hpp"
#include "core/dataset/dataset.hpp"
#include "core/eval/image_match.hpp"
#include "pipeline/ground_truth.hpp"
#include "vision/draw.hpp"

namespace ds::pipeline {
class GroundTruth;
class ModelHost;
}  // namespace ds::pipeline

namespace ds::viewer {

using pipeline::kMatchIou;

struct SessionOptions {
  std::filesystem::path config;              // the run config
  std::vector<std::filesystem::path> models;  // empty: the run config's model
  std::optional<std::filesystem::path> results;  // saved detections instead of a model
  std::optional<std::filesystem::path> output;   // default: the run config's output
  std::size_t limit = 0;                         // 0: every image
  bool verbose = false;
  bool skip_bad = false;  // browsing passes over images that cannot be decoded
  // TP/FP/FN by box IoU, mask IoU or OKS (--iou-type); unset: the run config's
  // (RunConfig::viewer_matching: masks for iou_type segm alone, OKS for keypoints alone).
  std::optional<Matching> matching;
};

// What the user toggles.
struct ViewState {
  double score_threshold = 0.5;
  bool show_truth = true;
  bool show_detections = true;
  bool show_masks = true;
  bool show_help = false;
};

struct ImageDetections {
  std::vector<Detection> detections;
  std::optional<double> inference_ms;  // absent for saved detections
};

struct Frame {
  cv::Mat canvas;     // what the window shows / render writes
  ImageMatch match;   // at the state's score threshold
  std::string log;    // one machine-readable line describing the frame
  std::string problem;  // shown instead of detections: an unreadable image, a failed model
};

class Session {
 public:
  // Reads the run config and the dataset and checks every model config. With models, starts
  // Python and loads the first one (a failure there is an error); with a results file, Python
  // is never started.
  explicit Session(const SessionOptions& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  std::size_t size() const { return images_.size(); }
  const Image& image(std::size_t i) const { return *images_[i]; }
  const std::filesystem::path& output_dir() const { return output_; }
  const Dataset& dataset() const { return dataset_; }

  // Models given (1 with the run config's model, 0 with a results file).
  std::size_t model_count() const { return saved_ ? 0 : models_.size(); }
  std::size_t current_model() const { return current_; }
  // Switches to the next model (cycling), loading it if it is new. A model that fails to load
  // stays selected and shows its error (`problem()`) instead of detections.
  void next_model();
  // Reads the current model's config again and reloads it, dropping its cached detections.
  void reload_model();
  // The model's name, or the results file's name.
  std::string source_name() const;
  // Why there are no detections (the current model failed to load or run); empty when fine.
  const std::string& problem() const;

  // The current source's detections on image i: cached; runs the model when needed.
  const ImageDetections& detections(std::size_t i);

  // --- For the desktop viewer, whose background thread runs the models (see model_worker.hpp).
  // Every detection source: the models given, or the one results file.
  std::size_t source_count() const { return models_.size(); }
  std::string source_name(std::size_t k) const;
  const std::string& problem(std::size_t k) const;
  // Makes source k current, loading it the first time (the caller holds the GIL).
  void select_model(std::size_t k);
  // Whether source k is loaded and working (can give detections).
  bool usable(std::size_t k) const;
  // Source k's detections on image i if already there (never runs a model).
  const ImageDetections* cached(std::size_t i, std::size_t k) const;
  // Runs source k on image i's pixels (empty for a results file) without touching the cache (the
  // caller holds the GIL and keeps source k from being reloaded meanwhile). Throws ds::Error.
  ImageDetections run(std::size_t i, std::size_t k, const cv::Mat& pixels) const;
  void store(std::size_t i, std::size_t k, ImageDetections detections);
  void fail(std::size_t k, std::string problem);
  // Decodes image i without the one-image cache (safe beside another thread's pixels()).
  cv::Mat decode(std::size_t i) const;
  std::span<const Annotation> truth(std::size_t i) const;
  const pipeline::GroundTruth& ground_truth() const { return *truth_; }
  bool saved() const { return saved_; }
  // What TP/FP/FN are decided by (--iou-type, or the run config's), ready for the dataset.
  const analysis::Overlap& overlap() const { return overlap_; }
  ImageMatch match(std::size_t i, double score_threshold);
  // Trails behind image i's tracked boxes (a video dataset's ground truth, detections with track
  // ids): the centres of the ground truth's and source k's detections (score >= the threshold) over
  // the frames of i's sequence up to it (vision::TrailHistory's length). Only detections already
  // known are used: no model runs for a trail. The desktop viewer calls it under its state lock.
  std::vector<vision::Trail> trails(std::size_t i, std::size_t k, double score_threshold) const;

  // Whether image i decodes (the reason is in `why` when it does not).
  bool readable(std::size_t i, std::string& why);
  bool skip_bad() const { return skip_bad_; }

  // The decoded image (the last one is kept).
  const cv::Mat& pixels(std::size_t i);

  Frame frame(std::size_t i, const ViewState& state, const std::string& log_prefix);

 private:
  struct Model;
  void load(Model& model);
  void index_sequences();

  Dataset dataset_;
  std::vector<const Image*> images_;
  // Video datasets' sequences (formats::sequence_name), each its images' indices in frame order,
  // and each image's sequence and place in it: what trails are drawn over.
  std::vector<std::vector<std::size_t>> sequences_;
  std::vector<std::size_t> sequence_of_, place_of_;
  std::unique_ptr<pipeline::GroundTruth> truth_;
  std::map<std::string, std::string> class_map_;
  std::filesystem::path output_;
  bool verbose_ = false;

  bool saved_ = false;  // the one "model" is a results file
  bool skip_bad_ = false;
  analysis::Overlap overlap_;

  // Declared before the models: detectors (Python objects) must go before the interpreter.
  std::unique_ptr<pipeline::ModelHost> host_;
  std::vector<std::unique_ptr<Model>> models_;
  std::size_t current_ = 0;

  std::size_t decoded_index_ = static_cast<std::size_t>(-1);
  cv::Mat decoded_;
};

// A file-name-safe version of a model name (for screenshots).
std::string file_safe(std::string_view name);

}  // namespace ds::viewer
