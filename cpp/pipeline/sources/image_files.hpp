#pragma once
// Still images (a dataset's, a folder's, one file) decoded on a pool of threads, delivered in
// order; frames of a video file that a dataset annotates (Image::frame) are read in sequence.
#include <filesystem>
#include <memory>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "pipeline/source.hpp"

namespace ds::pipeline {

struct ImageEntry {
  std::filesystem::path path;
  const Image* image = nullptr;  // the dataset record, when there is one
  std::size_t index = 0;         // the frame's position in the source
};

struct DecodeOptions {
  std::size_t threads = 2;   // decoder threads
  std::size_t capacity = 8;  // frames decoded ahead of the consumer
  // > 0: still images with a longer side of twice this or more are decoded reduced (1/2, 1/4,
  // 1/8), keeping it at least this: the side the model resizes to anyway (Detector::max_input_side).
  int keep_side = 0;
};

std::unique_ptr<Source> image_files_source(std::vector<ImageEntry> entries, std::string description,
                                           const DecodeOptions& options = {});

// One dataset image decoded on its own (the viewer's random access); a video frame reopens the
// video. Throws ds::Error naming the file.
cv::Mat read_dataset_image(const Dataset& dataset, const Image& image);

// A dataset's images (the first `limit`; 0: all) as a source, from position `start` on (a
// resumed run); frames keep their positions in the whole run.
std::unique_ptr<Source> dataset_source(const Dataset& dataset, std::size_t limit, std::size_t start = 0,
                                       const DecodeOptions& options = {});

}  // namespace ds::pipeline
