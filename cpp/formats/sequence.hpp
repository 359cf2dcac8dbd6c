#pragma once
// Shared by the annotated-video formats (mot, cvat-video): a dataset's images seen as the frames
// of one sequence, either frames of one video file (Image::frame >= 0) or one still image per
// frame, and the seqinfo-style numbers both formats need (frame count, one frame size).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/dataset/dataset.hpp"
#include "formats/format.hpp"

namespace ds::formats {

struct Sequence {
  std::string video;  // the video file, relative to Dataset::image_dir; empty: still images
  int width = 0, height = 0;
  std::int64_t length = 0;                                  // frames 0 .. length-1
  std::unordered_map<std::int64_t, std::int64_t> frame_of;  // image id -> 0-based frame
};

// Video frames keep their Image::frame; still images are numbered 0, 1, ... in dataset order.
// Throws ds::Error naming `format` and the images when the dataset is not one sequence: frames
// of several videos, video frames mixed with still images, frames of different sizes, a frame
// listed twice.
Sequence as_sequence(const Dataset& dataset, std::string_view format);

// Places the frames under `dir`: the video file at dir / <its name>, else each still image at
// dir / still_name(frame, image) (link or copy, never re-encoded).
void place_sequence(const Dataset& dataset, const Sequence& sequence, const std::filesystem::path& dir,
                    const std::function<std::filesystem::path(std::int64_t, const Image&)>& still_name,
                    const WriteOptions& options);

// "000042" for (42, 6): MOT's and CVAT's frame file names.
std::string zero_padded(std::int64_t n, int digits);

// Which sequence a frame is of: its video file, or for a still image the folder it is in (MOT's
// img1/). A tracker starts again, and trails stop, where this changes.
std::string sequence_name(const Image& image);

// For an annotation without a track: the next id no track of `dataset` uses.
std::int64_t first_free_track_id(const Dataset& dataset);

}  // namespace ds::formats
