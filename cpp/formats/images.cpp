#include "formats/images.hpp"

#include "core/util/error.hpp"

namespace fs = std::filesystem;

namespace ds {

void place_images(const Dataset& dataset, const fs::path& dir, const WriteOptions& options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot create folder: " + ec.message());
  for (const Image& im : dataset.images) {
    const fs::path src = fs::absolute(dataset.image_dir / im.file_name);
    const fs::path dst = dir / im.file_name;
    if (!fs::exists(src, ec)) throw Error(src.string() + ": image not found (image id " + std::to_string(im.id) + ")");
    fs::create_directories(dst.parent_path(), ec);
    fs::remove(dst, ec);
    if (options.copy_images)
      fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
    else
      fs::create_symlink(src, dst, ec);
    if (ec) throw Error(dst.string() + ": cannot " + (options.copy_images ? "copy" : "link") + " image: " + ec.message());
  }
}

}  // namespace ds
