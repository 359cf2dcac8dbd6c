#include "app/commands/detect_python.hpp"

#include "core/trackers/registry.hpp"
#include "core/util/error.hpp"
#include "pipeline/open_source.hpp"
#include "pipeline/python_detector.hpp"

namespace ds::cli {

PythonDetectStream::PythonDetectStream(const PythonDetection& r) {
  if (r.every < 1) throw Error("every: must be 1 or more");
  if (!(r.score_threshold >= 0 && r.score_threshold <= 1)) throw Error("score_threshold: must be between 0 and 1");
  if (r.tracker_config && r.tracker.empty()) throw Error("tracker_config goes with track=NAME");
  // The tracker before the model loads: a bad name or config fails first. It sees the model's
  // detections before the score filter, as detect --track's does (ByteTrack uses the low ones).
  if (!r.tracker.empty()) {
    if (!trackers::is_tracker(r.tracker)) throw Error("track: " + trackers::unknown_tracker(r.tracker));
    tracking_.emplace(trackers::make_tracker(r.tracker, r.tracker_config), std::nullopt);
  }
  const bool python_model = static_cast<bool>(r.python_model);
  if (!python_model) pipeline::check_model_config(r.model_config);
  source_ = pipeline::open_source(r.source, {.every = r.every, .limit = r.limit, .decode = {}, .live = r.live});
  models_.emplace(std::vector<pipeline::Models::Loader>{[&]() -> std::unique_ptr<pipeline::Detector> {
    if (python_model) return pipeline::python_detector(r.python_model, r.model_name, r.class_names, r.batch_size);
    return host_.load(r.model_config);
  }});
  // Loaded here, with the GIL: the loop's thread only runs it. Huge stills decode reduced to
  // what the model reads.
  source_->reduce_to(models_->current().max_input_side());
  stream_ = std::make_unique<pipeline::FrameStream>(
      *source_, *models_,
      pipeline::RunOptions{.batch_size = python_model ? 0 : r.batch_size,
                           .score_threshold = r.score_threshold,
                           .transforms = tracking_ ? std::vector<pipeline::Transform*>{&*tracking_}
                                                   : std::vector<pipeline::Transform*>{},
                           .skip_bad = r.skip_bad});
}

}  // namespace ds::cli
