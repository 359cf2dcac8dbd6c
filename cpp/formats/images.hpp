#pragma once
// Image files for writers: link or copy a dataset's images into a new folder, never re-encode.
#include <filesystem>
#include <string>

#include "core/dataset/dataset.hpp"
#include "formats/format.hpp"

namespace ds {

// Places every image of `dataset` at `dir / file_name` (symlink, or copy with copy_images).
void place_images(const Dataset& dataset, const std::filesystem::path& dir,
                  const WriteOptions& options);

// Places one file at `dst` (symlink to `src`, or a copy); `what` names it in errors
// ("image id 3"). Nothing to do when `dst` already is `src`.
void place_file(const std::filesystem::path& src, const std::filesystem::path& dst,
                const WriteOptions& options, const std::string& what);

}  // namespace ds
