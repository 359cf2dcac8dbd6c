#include "formats/sequence.hpp"

#include <algorithm>

#include "core/util/error.hpp"
#include "formats/common.hpp"
#include "formats/images.hpp"

namespace fs = std::filesystem;

namespace ds::formats {
namespace {

std::string label(const Image& im) {
  std::string out = "image " + std::to_string(im.id) + " (" + im.file_name;
  if (im.frame >= 0) out += " frame " + std::to_string(im.frame);
  return out + ")";
}

}  // namespace

Sequence as_sequence(const Dataset& dataset, std::string_view format) {
  const std::string who(format);
  Sequence seq;
  if (dataset.images.empty()) return seq;
  const Image& first = dataset.images.front();
  const bool video = first.frame >= 0;
  if (video) seq.video = generic(relative_image_path(first));
  const ImageSize size = image_size(dataset, first);
  seq.width = size.width;
  seq.height = size.height;
  std::unordered_map<std::int64_t, const Image*> at_frame;
  for (std::size_t i = 0; i < dataset.images.size(); ++i) {
    const Image& im = dataset.images[i];
    if ((im.frame >= 0) != video)
      throw Error(who + " holds one sequence: " + label(im) + " is " + (video ? "a still image" : "a video frame") +
                  " but " + label(first) + " is " + (video ? "a video frame" : "a still image"));
    if (video && generic(relative_image_path(im)) != seq.video)
      throw Error(who + " holds one sequence: " + label(im) + " is from another video than " + label(first));
    const ImageSize s = image_size(dataset, im);
    if (s.width != seq.width || s.height != seq.height)
      throw Error(who + " holds frames of one size: " + label(im) + " is " + std::to_string(s.width) + "x" +
                  std::to_string(s.height) + ", " + label(first) + " is " + std::to_string(seq.width) + "x" +
                  std::to_string(seq.height));
    const std::int64_t frame = video ? im.frame : static_cast<std::int64_t>(i);
    if (const auto [it, added] = at_frame.emplace(frame, &im); !added)
      throw Error(who + ": " + label(im) + " and " + label(*it->second) + " are the same frame");
    if (!seq.frame_of.emplace(im.id, frame).second)
      throw Error(who + ": image id " + std::to_string(im.id) + " is used twice");
    seq.length = std::max(seq.length, frame + 1);
  }
  return seq;
}

std::string sequence_name(const Image& image) {
  return image.frame >= 0 ? image.file_name : fs::path(image.file_name).parent_path().string();
}

void place_sequence(const Dataset& dataset, const Sequence& sequence, const fs::path& dir,
                    const std::function<fs::path(std::int64_t, const Image&)>& still_name, const WriteOptions& options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot create folder: " + ec.message());
  if (!sequence.video.empty()) {
    place_file(dataset.image_dir / dataset.images.front().file_name, dir / sequence.video, options, "the video");
    return;
  }
  for (const Image& im : dataset.images)
    place_file(dataset.image_dir / im.file_name, dir / still_name(sequence.frame_of.at(im.id), im), options,
               "image id " + std::to_string(im.id));
}

std::string zero_padded(std::int64_t n, int digits) {
  std::string s = std::to_string(n);
  if (static_cast<int>(s.size()) < digits) s.insert(0, static_cast<std::size_t>(digits) - s.size(), '0');
  return s;
}

std::int64_t first_free_track_id(const Dataset& dataset) {
  std::int64_t next = 1;
  for (const Annotation& a : dataset.annotations) next = std::max(next, a.track_id + 1);
  return next;
}

}  // namespace ds::formats
