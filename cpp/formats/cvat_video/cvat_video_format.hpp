#pragma once
// CVAT for video 1.1: one XML file of <track id label> elements holding <box frame xtl ytl xbr
// ybr outside occluded keyframe> (continuous pixel coordinates, as COCO's).
//   format: cvat-video
//   annotations: annotations.xml
//   video: clip.mp4            # the frames are this video; default: <meta><source> beside the XML
//   images: DIR                # or: the frames as images (frame_000000.jpg ..., CVAT's export)
//   classes: ...               # optional; default the <labels> in <meta>, else the tracks' labels
// <meta><task> (or <job>) must give <size> (the frame count) and <original_size> (the frame size):
// a video's frames cannot be sized without decoding. Box frames are video frame numbers, as CVAT
// exports them: task frame k (0 <= k < size) is video frame start_frame + k * step (<start_frame>,
// <frame_filter>step=N), and so are the frame_NNNNNN image names.
// Tracks as CVAT plays them: a listed box holds on its frame; frames between two listed boxes are
// interpolated linearly (xtl, ytl, xbr, ybr, rotation) unless the earlier box is outside="1"; after
// the last listed box, if it is not outside, the box stays until the last frame. `keyframe` and
// `occluded` are not needed for that and not kept. Box attributes `iscrowd`, `difficult`,
// `truncated` carry those flags; the track id is Annotation::track_id.
// Writing: each track's boxes as keyframes, an outside="1" box on the frame after each run of
// consecutive frames; a box without a track id becomes a track of its own.
#include "formats/format.hpp"

namespace ds::cvat_video {

class CvatVideoFormat final : public DatasetFormat {
 public:
  std::string_view name() const override { return "cvat-video"; }
  std::string_view summary() const override {
    return "CVAT for video 1.1 XML, tracks of boxes (annotations: FILE.xml, video: FILE or images: DIR)";
  }
  FormatKeeps keeps() const override { return {true, true, true, false, true, true, true}; }
  Dataset read(const ConfigNode& spec, const ReadOptions& options) const override;
  void write(const Dataset& dataset, const std::filesystem::path& dir,
             const WriteOptions& options) const override;
};

}  // namespace ds::cvat_video
