#pragma once
// `detect` for the Python API (ds.detect): a source opened as the command opens it (files,
// folders, videos, cameras, streams, GStreamer pipelines), a model config or a Python model, and
// the frames handed over one at a time (pipeline::FrameStream) instead of written to files.
#include <pybind11/pybind11.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/frame_stream.hpp"
#include "pipeline/models.hpp"
#include "pipeline/transforms/track.hpp"

namespace ds::cli {

struct PythonDetection {
  std::string source;  // as `detect SOURCE`
  // The model: a model config, or, when `python_model` is set, a Python model(images, names).
  std::filesystem::path model_config;
  pybind11::object python_model;
  std::string model_name;
  std::vector<std::string> class_names;
  std::size_t batch_size = 0;       // 0: the model config's (a Python model's is given)
  std::size_t every = 1, limit = 0;  // --every, --limit
  double score_threshold = 0.5;      // --score-threshold
  bool skip_bad = false;
  std::optional<bool> live;  // --live (true) / --no-drop (false); nullopt: the source says
  std::string tracker;       // --track NAME; empty: none
  std::optional<std::filesystem::path> tracker_config;  // --tracker-config T.yaml
};

class PythonDetectStream {
 public:
  // Opens the source and loads the model (with the GIL held), then starts the loop.
  explicit PythonDetectStream(const PythonDetection& request);
  // Without the GIL (a Python model takes it on the loop's thread).
  std::optional<pipeline::FrameStream::Item> next() { return stream_->next(); }
  void stop() { stream_->stop(); }
  const pipeline::Source& source() const { return *source_; }

 private:
  pipeline::ModelHost host_{false};
  std::unique_ptr<pipeline::Source> source_;
  std::optional<pipeline::Models> models_;
  std::optional<pipeline::TrackTransform> tracking_;  // before the stream: its loop applies it
  std::unique_ptr<pipeline::FrameStream> stream_;
};

}  // namespace ds::cli
