#pragma once
// Image files for writers: link or copy a dataset's images into a new folder, never re-encode.
#include <filesystem>

#include "core/dataset/dataset.hpp"
#include "formats/format.hpp"

namespace ds {

// Places every image of `dataset` at `dir / file_name` (symlink, or copy with copy_images).
void place_images(const Dataset& dataset, const std::filesystem::path& dir,
                  const WriteOptions& options);

}  // namespace ds
