#include "formats/convert.hpp"

#include <algorithm>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/common.hpp"

namespace fs = std::filesystem;

namespace ds {
namespace {

bool inside(const fs::path& p, const fs::path& folder) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(fs::absolute(p, ec), ec);
  const fs::path b = fs::weakly_canonical(fs::absolute(folder, ec), ec);
  const auto [end, _] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
  return end == b.end();
}

}  // namespace

void refuse_video_frames(const Dataset& dataset, const DatasetFormat& format) {
  if (format.keeps().video_frames) return;
  const auto frame = std::find_if(dataset.images.begin(), dataset.images.end(), [](const Image& im) { return im.frame >= 0; });
  if (frame == dataset.images.end()) return;
  throw Error(dataset.source + ": the images are frames of the video " + (dataset.image_dir / frame->file_name).string() +
              "; " + std::string(format.name()) + " needs one image file per image and convert cannot extract frames: " +
              "convert to mot or cvat-video, or extract the frames to image files and read those");
}

void check_convert_target(const fs::path& output, const Dataset& dataset, const fs::path& spec_file) {
  std::error_code ec;
  if (fs::exists(output, ec) && !fs::is_directory(output, ec)) throw Error(output.string() + " exists and is not a folder");
  if (inside(dataset.image_dir, output) || inside(spec_file, output) || inside(dataset.source, output))
    throw Error(output.string() + " holds the dataset being converted; write to a new folder");
  if (fs::is_directory(output, ec) && !fs::is_empty(output, ec) && !fs::exists(output / "dataset.yaml", ec))
    throw Error(output.string() +
                " is not empty and holds no dataset.yaml (not an earlier convert's output); "
                "it would be replaced as a whole: give a new or empty folder");
}

std::vector<std::string> convert_dataset(const Dataset& dataset, const DatasetFormat& format, const fs::path& output,
                                         bool copy_images) {
  WriteOptions options;
  options.copy_images = copy_images;
  options.final_dir = output;
  // Every output file appears at once or not at all (a full disk leaves no half dataset).
  StagedFolder staged(output);
  try {
    format.write(dataset, staged.path(), options);
  } catch (const Error& e) {
    // Name the file as the user will know it, not by the hidden staging folder.
    std::string message = e.what();
    const std::string from = staged.path().string(), to = staged.target().string();
    for (std::size_t at = message.find(from); at != std::string::npos; at = message.find(from, at + to.size()))
      message.replace(at, from.size(), to);
    throw Error(message);
  }
  staged.publish();

  // Say what the target cannot carry rather than drop it silently.
  std::vector<std::string> notes;
  const std::string name(format.name());
  const formats::FlagCounts flags = formats::count_flags(dataset);
  const FormatKeeps keeps = format.keeps();
  const auto note = [&](std::size_t n, bool kept, const char* what) {
    if (n > 0 && !kept)
      notes.push_back("note: " + name + " has no " + what + " flag: " + std::to_string(n) + " " + what +
                      (n == 1 ? " box is" : " boxes are") + " written as ordinary boxes");
  };
  note(flags.crowd, keeps.crowd, "crowd");
  note(flags.difficult, keeps.difficult, "difficult");
  note(flags.truncated, keeps.truncated, "truncated");
  const auto tracked = std::count_if(dataset.annotations.begin(), dataset.annotations.end(), [](const Annotation& a) { return a.track_id >= 0; });
  if (tracked > 0 && !keeps.track_ids)
    notes.push_back("note: " + name + " has no track ids: " + std::to_string(tracked) +
                    (tracked == 1 ? " box is" : " boxes are") + " written without its track id");
  const auto with_keypoints = std::count_if(dataset.annotations.begin(), dataset.annotations.end(),
                                            [](const Annotation& a) { return !a.keypoints.empty(); });
  if (with_keypoints > 0 && !keeps.keypoints)
    notes.push_back("note: " + name + " has no keypoints: " + std::to_string(with_keypoints) +
                    (with_keypoints == 1 ? " box is" : " boxes are") + " written without its keypoints");
  // A format whose keypoint records have no outline (YOLO pose lines) writes no mask beside them.
  const bool pose_drops_masks = keeps.keypoints && !keeps.masks_beside_keypoints &&
                                std::any_of(dataset.categories.begin(), dataset.categories.end(),
                                            [](const Category& c) { return !c.keypoint_names.empty(); });
  const auto unmasked = std::count_if(dataset.annotations.begin(), dataset.annotations.end(), [&](const Annotation& a) {
    return a.segmentation && (pose_drops_masks || !format.writes_mask(*a.segmentation));
  });
  if (unmasked > 0)
    notes.push_back("note: " + name + " cannot hold " + (unmasked == 1 ? "this mask: " : "these masks: ") +
                    std::to_string(unmasked) + (unmasked == 1 ? " box is" : " boxes are") +
                    " written without its mask (RLE masks only in coco; one polygon per object in yolo, none in yolo "
                    "pose labels)");
  for (const std::string& w : dataset.warnings) notes.push_back("warning: " + w);
  return notes;
}

}  // namespace ds
