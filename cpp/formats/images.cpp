#include "formats/images.hpp"

#include <set>

#include "core/util/error.hpp"
#include "formats/common.hpp"

namespace fs = std::filesystem;

namespace ds {

void place_file(const fs::path& source, const fs::path& dst, const WriteOptions& options, const std::string& what) {
  std::error_code ec;
  const fs::path src = fs::absolute(source);
  if (!fs::exists(src, ec)) throw Error(src.string() + ": image not found (" + what + ")");
  // Converting into the folder the images already are in: nothing to place.
  if (fs::exists(dst, ec) && fs::equivalent(src, dst, ec)) return;
  fs::create_directories(dst.parent_path(), ec);
  fs::remove(dst, ec);
  if (options.copy_images)
    fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
  else
    fs::create_symlink(src, dst, ec);
  if (ec) throw Error(dst.string() + ": cannot " + (options.copy_images ? "copy" : "link") + " image: " + ec.message());
}

void place_images(const Dataset& dataset, const fs::path& dir, const WriteOptions& options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot create folder: " + ec.message());
  std::set<fs::path> placed;
  for (const Image& im : dataset.images) {
    const fs::path rel = formats::relative_image_path(im);
    if (!placed.insert(rel).second) continue;  // two records, one file (or frames of one video)
    place_file(dataset.image_dir / im.file_name, dir / rel, options, "image id " + std::to_string(im.id));
  }
}

}  // namespace ds
