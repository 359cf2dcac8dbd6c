#include "pipeline/sinks/render.hpp"

#include <iostream>

#include "core/util/error.hpp"
#include "formats/sequence.hpp"

namespace fs = std::filesystem;

namespace ds::pipeline {

RenderSink::RenderSink(const Dataset& dataset, std::map<std::string, std::string> class_map, RenderOptions options)
    : truth_(dataset), mappings_(dataset, std::move(class_map)), options_(std::move(options)) {}

Control RenderSink::consume(const Result& r) {
  if (!r.frame.image) throw Error("internal: render needs dataset frames");
  const Image& image = *r.frame.image;
  std::size_t dropped = 0;
  const std::vector<Detection> dets = host::to_detections(image.id, r.detections, mappings_.of(r), dropped);
  const ImageMatch match = match_image(truth_.of(image.id), dets, frame_match(image, options_.score_threshold, options_.overlap));
  true_positives += match.true_positives;
  false_positives += match.false_positives;
  missed += match.missed;
  if (options_.verbose)
    std::cerr << "render: " << image.file_name << " tp=" << match.true_positives << " fp=" << match.false_positives
              << " fn=" << match.missed << "\n";
  // Trails behind tracked boxes (a video dataset's ground truth, a tracker's detections), over the
  // frames of this sequence drawn so far; kept for the pictures --errors-only leaves out too.
  if (std::string sequence = formats::sequence_name(image); sequence != sequence_) {
    truth_trails_.clear();
    detection_trails_.clear();
    sequence_ = std::move(sequence);
  }
  truth_trails_.add(truth_.of(image.id));
  std::vector<Detection> shown;
  for (const Detection& d : dets)
    if (d.track_id >= 0 && d.score >= options_.score_threshold) shown.push_back(d);
  detection_trails_.add(shown);
  if (options_.errors_only && !match.has_errors()) return Control::kContinue;
  std::vector<vision::Trail> trails = truth_trails_.trails();
  for (vision::Trail& t : detection_trails_.trails()) trails.push_back(std::move(t));
  vision::FrameContent content = dataset_content(truth_, image.id, dets, match);
  content.trails = trails;
  content.status = {r.frame.index, options_.count, r.frame.name, r.model, std::nullopt, options_.score_threshold, kMatchIou, "", overlap_label(options_.overlap)};
  // The image's own relative path (sub-folders kept), with the output format's extension; a
  // frame of a video is named after the video and the frame.
  fs::path name = image.file_name;
  name.replace_extension();
  if (image.frame >= 0) name += "_frame" + std::to_string(image.frame);
  name += options_.extension;
  vision::write_image(options_.output / name.relative_path(), vision::draw_frame(r.frame.pixels, content));
  ++written;
  return Control::kContinue;
}

}  // namespace ds::pipeline
