// `convert`: read a dataset in one format, write it in another. Light front: core only.
#include <algorithm>
#include <iostream>

#include "app/commands/commands.hpp"
#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/common.hpp"
#include "formats/format.hpp"

namespace fs = std::filesystem;

namespace ds::cli {
namespace {

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Frames of a video all share the video's file name: an image format would write N records of
// one file. Extracting the frames needs a decoder, which this light front does not link.
void refuse_video_frames(const Dataset& dataset, const DatasetFormat& format) {
  if (format.keeps().video_frames) return;
  const auto frame = std::find_if(dataset.images.begin(), dataset.images.end(), [](const Image& im) { return im.frame >= 0; });
  if (frame == dataset.images.end()) return;
  throw Error(dataset.source + ": the images are frames of the video " + (dataset.image_dir / frame->file_name).string() +
              "; " + std::string(format.name()) + " needs one image file per image and convert cannot extract frames: " +
              "convert to mot or cvat-video, or extract the frames to image files and read those");
}

bool inside(const fs::path& p, const fs::path& folder) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(fs::absolute(p, ec), ec);
  const fs::path b = fs::weakly_canonical(fs::absolute(folder, ec), ec);
  const auto [end, _] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
  return end == b.end();
}

// The output replaces the folder as a whole: refuse folders that are not ours to replace.
void check_target(const fs::path& output, const Dataset& dataset, const fs::path& spec_file) {
  std::error_code ec;
  if (fs::exists(output, ec) && !fs::is_directory(output, ec))
    throw UsageError("--output " + output.string() + " exists and is not a folder");
  if (inside(dataset.image_dir, output) || inside(spec_file, output) || inside(dataset.source, output))
    throw UsageError("--output " + output.string() + " holds the dataset being converted; write to a new folder");
  if (fs::is_directory(output, ec) && !fs::is_empty(output, ec) && !fs::exists(output / "dataset.yaml", ec))
    throw UsageError("--output " + output.string() +
                     " is not empty and holds no dataset.yaml (not an earlier convert's output); "
                     "it would be replaced as a whole: give a new or empty folder");
}

}  // namespace

int run_convert(const ParsedArgs& args) {
  const auto to = args.get("--to");
  const auto output = args.get("--output");
  if (!to) throw UsageError("--to FORMAT is required");
  if (!output) throw UsageError("--output DIR is required");
  const DatasetFormat* found = nullptr;
  try {
    found = &find_format(*to);
  } catch (const Error& e) {
    throw UsageError(std::string("--to: ") + e.what());
  }
  const DatasetFormat& format = *found;
  ReadOptions read_options;
  read_options.skip_bad = args.has("--skip-bad");
  read_options.masks = true;  // to write them, or to say they are lost
  const fs::path spec_file = args.positional.at(0);
  const Dataset dataset = load_dataset(load_dataset_spec(spec_file), read_options);
  refuse_video_frames(dataset, format);
  check_target(*output, dataset, spec_file);
  WriteOptions options;
  options.copy_images = args.has("--copy-images");
  options.final_dir = *output;
  // Every output file appears at once or not at all (a full disk leaves no half dataset).
  StagedFolder staged(*output);
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

  std::cout << "wrote " << *output << " (" << format.name() << "): " << plural(dataset.images.size(), "image", "images")
            << ", " << plural(dataset.annotations.size(), "box", "boxes") << ", "
            << plural(dataset.categories.size(), "class", "classes") << "; read it with "
            << (fs::path(*output) / "dataset.yaml").string() << "\n";
  // Say what the target cannot carry rather than drop it silently.
  const formats::FlagCounts flags = formats::count_flags(dataset);
  const FormatKeeps keeps = format.keeps();
  const auto note = [&](std::size_t n, bool kept, const char* what) {
    if (n > 0 && !kept)
      std::cout << "note: " << format.name() << " has no " << what << " flag: " << n << " " << what
                << (n == 1 ? " box is" : " boxes are") << " written as ordinary boxes\n";
  };
  note(flags.crowd, keeps.crowd, "crowd");
  note(flags.difficult, keeps.difficult, "difficult");
  note(flags.truncated, keeps.truncated, "truncated");
  const auto tracked = std::count_if(dataset.annotations.begin(), dataset.annotations.end(), [](const Annotation& a) { return a.track_id >= 0; });
  if (tracked > 0 && !keeps.track_ids)
    std::cout << "note: " << format.name() << " has no track ids: " << tracked
              << (tracked == 1 ? " box is" : " boxes are") << " written without its track id\n";
  const auto with_keypoints = std::count_if(dataset.annotations.begin(), dataset.annotations.end(),
                                            [](const Annotation& a) { return !a.keypoints.empty(); });
  if (with_keypoints > 0 && !keeps.keypoints)
    std::cout << "note: " << format.name() << " has no keypoints: " << with_keypoints
              << (with_keypoints == 1 ? " box is" : " boxes are") << " written without its keypoints\n";
  // A format whose keypoint records have no outline (YOLO pose lines) writes no mask beside them.
  const bool pose_drops_masks = keeps.keypoints && !keeps.masks_beside_keypoints &&
                                std::any_of(dataset.categories.begin(), dataset.categories.end(),
                                            [](const Category& c) { return !c.keypoint_names.empty(); });
  const auto unmasked = std::count_if(dataset.annotations.begin(), dataset.annotations.end(), [&](const Annotation& a) {
    return a.segmentation && (pose_drops_masks || !format.writes_mask(*a.segmentation));
  });
  if (unmasked > 0)
    std::cout << "note: " << format.name() << " cannot hold " << (unmasked == 1 ? "this mask: " : "these masks: ")
              << unmasked << (unmasked == 1 ? " box is" : " boxes are")
              << " written without its mask (RLE masks only in coco; one polygon per object in yolo, none in yolo "
                 "pose labels)\n";
  for (const std::string& w : dataset.warnings) std::cout << "warning: " << w << "\n";
  if (!dataset.skipped.empty()) {
    std::cout << "skipped " << plural(dataset.skipped.size(), "malformed record or file", "malformed records or files")
              << " (--skip-bad):\n";
    for (std::size_t i = 0; i < dataset.skipped.size() && i < 10; ++i) std::cout << "  " << dataset.skipped[i] << "\n";
    if (dataset.skipped.size() > 10) std::cout << "  ... and " << dataset.skipped.size() - 10 << " more\n";
  }
  return 0;
}

}  // namespace ds::cli
