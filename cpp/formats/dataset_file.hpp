#pragma once
// The dataset a file gives, whatever the file: what the Python API's ds.load_dataset reads.
#include <filesystem>

#include "formats/format.hpp"

namespace ds {

// A dataset.yaml, a run config (its `dataset:`), or a COCO / LVIS instances json (whose images
// are in `image_dir`; empty: not known).
Dataset load_dataset_file(const std::filesystem::path& file, const ReadOptions& options = {},
                          const std::filesystem::path& image_dir = {});

}  // namespace ds
